import { ROLES, signJwt } from '#shared/adapters/http/jwt.js';
import { ROUTES } from '#functions/routes.js';
import { DEV_AUTH_SECRET } from '#local/stack.js';
import { startHarness, type Harness } from '../support/harness.js';

const concrete = (key: string) => {
  const [method, path] = key.split(' ') as [string, string];
  return [method, path.replace(/\{\w+\}/g, 'x1')] as const;
};

describe('HTTP API through the middy handlers (local API Gateway adapter)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ register: false });
  });
  afterAll(() => h.stop());

  const unauthenticated =
    'every route answers 401 without a token, with an expired one, or with a wrong signature';
  it(unauthenticated, async () => {
    const op = { sub: 'u', roles: ['operator', 'expense'], orgId: 'hz' };
    const expired = signJwt(op, DEV_AUTH_SECRET, -3600);
    const forged = signJwt(op, 'not-the-secret');
    const noExp = signJwt({ ...op, exp: undefined }, DEV_AUTH_SECRET);
    const tooOld = signJwt(
      { ...op, iat: Math.floor(Date.now() / 1000) - 13 * 3600 },
      DEV_AUTH_SECRET,
    );
    const noOrg = h.stack.token({ sub: 'u', roles: ['expense'] });
    for (const key of Object.keys(ROUTES)) {
      const [method, path] = concrete(key);
      for (const token of [null, expired, forged, 'garbage', noExp, tooOld, noOrg]) {
        const res = await h.api(method, path, {}, token);
        expect([key, res.status, res.body.error.code]).toEqual([key, 401, 'UNAUTHORIZED']);
      }
    }
  });

  it('every route answers 403 to each role it does not name (SPEC §4.1 roles)', async () => {
    for (const [key, spec] of Object.entries(ROUTES)) {
      const [method, path] = concrete(key);
      for (const role of ROLES.filter((r) => !(spec.roles as readonly string[]).includes(r))) {
        const token = h.stack.token({ sub: 'u', orgId: 'hz', roles: [role] });
        const res = await h.api(method, path, {}, token);
        expect([key, role, res.status]).toEqual([key, role, 403]);
      }
    }
  });

  const employeeLimits =
    'an employee (user) cannot push invoices, write back bills, register orders or edit users';
  it(employeeLimits, async () => {
    const employee = h.stack.token({ sub: 'emp', orgId: 'hz', roles: ['user'] });
    const service = [
      'POST /invoices/push',
      'POST /billing/results',
      'POST /bills/events',
      'POST /billing/orders',
      'PUT /users/{userId}',
      'PATCH /invoices/{invoiceId}',
    ];
    for (const key of service) {
      const [method, path] = concrete(key);
      expect([key, (await h.api(method, path, {}, employee)).status]).toEqual([key, 403]);
    }
  });

  it('the Bearer scheme is case-insensitive', async () => {
    const res = await h.stack.http('GET', '/config', { authorization: `bearer ${h.operator}` }, '');
    expect(res.status).toBe(200);
  });

  it('bad input is a 400 in the SPEC error shape naming the path, never a 500', async () => {
    const cases: [string, string, unknown, string][] = [
      ['PUT', '/config', { lookbackDays: -1 }, 'lookbackDays'],
      ['PUT', '/config', { surprise: true }, '(body)'],
      ['PUT', '/orgs/o1', { orgName: 'x', taxNo: 'lower-case' }, 'taxNo'],
      ['GET', '/sync/runs?limit=500', undefined, 'limit'],
      ['GET', '/sync/runs?cursor=%%%', undefined, 'cursor'],
      ['GET', '/invoices?type=input', undefined, 'orgId'],
      [
        'PUT',
        '/systems/s1',
        { orgId: 'hz', name: 'x', callbackUrl: 'http://169.254.169.254/latest' },
        'callbackUrl',
      ],
    ];
    for (const [method, path, body, field] of cases) {
      const res = await h.api(
        method,
        path,
        body,
        h.stack.token({ sub: 'u', orgId: 'hz', roles: ['operator', 'expense'] }),
      );
      expect([path, res.status]).toEqual([path, 400]);
      expect(res.body.error).toMatchObject({ code: 'BAD_REQUEST', message: expect.any(String) });
      expect(res.body.error.details.map((d: { path: string }) => d.path)).toContain(field);
    }
  });

  it('a direct invoke with a payload that is not JSON is a 400 naming it', async () => {
    const res = await h.api('POST', '/_local/invoke/manual-sync', '{not json');
    expect(res.status).toBe(400);
    expect(res.body.error.details).toEqual([{ path: '(payload)', message: 'not valid JSON' }]);
  });

  it('unknown paths are 404 and wrong methods 405, in the error shape', async () => {
    expect((await h.api('GET', '/nope')).status).toBe(404);
    const res = await h.api('DELETE', '/config');
    expect(res.status).toBe(405);
    expect(res.body.error.code).toBe('METHOD_NOT_ALLOWED');
  });

  it('config: defaults, PUT replaces only the given keys; org secrets are write-only', async () => {
    expect((await h.api('GET', '/config')).body).toEqual({
      nonSyncFields: [],
      personalFolderSync: false,
      writeback: false,
      syncUnusedInvoices: true,
      showUncheckedInPool: true,
      hideUnusedInPool: true,
      lookbackDays: 1,
    });
    await h.api('PUT', '/config', { lookbackDays: 3 });
    const after = (await h.api('PUT', '/config', { writeback: true })).body;
    expect(after).toMatchObject({ lookbackDays: 3, writeback: true, personalFolderSync: false });
    const put = await h.api('PUT', '/orgs/o9', {
      orgName: 'Org 9',
      taxNo: '91330100MA27XK9999',
      clientId: 'c9',
      clientSecret: 'very-secret',
    });
    expect(put.status).toBe(201);
    expect(JSON.stringify(put.body)).not.toContain('very-secret');
    expect((await h.api('GET', '/orgs/o9')).body).toMatchObject({
      orgId: 'o9',
      clientId: 'c9',
      clientSecret: '***',
      syncEnabled: true,
    });
    expect(await h.stack.secrets.get('org/o9/client-secret')).toBe('very-secret');
  });
});
