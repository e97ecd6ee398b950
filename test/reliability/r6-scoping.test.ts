/**
 * R6 scoping (SPEC §4.1), generated from the route table: every route × every role × own org /
 * other org. A role the route does not name → 403; an allowed non-operator role with another org's
 * id → 404; the own org (and every org for an operator) → neither 401, 403, 404 nor a 5xx. A route
 * without a fixture below does not compile, so a new route cannot ship unscoped.
 */
import { ROLES, type Role } from '#shared/adapters/http/jwt.js';
import { ROUTES, type RouteKey } from '#functions/routes.js';
import { invoiceIdOf } from '#shared/adapters/dynamo/keys.js';
import { startReceiver, type Receiver } from '#simulator/receiver.js';
import { figure } from '../support/figures.js';
import { ORGS, startHarness, type Harness } from '../support/harness.js';

/** The caller acts for `sh`; `hz` is the other org. */
const OWN = 'sh';
const OTHER = 'hz';
const TAX: Record<string, string> = { hz: ORGS[0]!.taxNo, sh: ORGS[1]!.taxNo };
const PHONE: Record<string, string> = { hz: ORGS[0]!.phones![0]!, sh: ORGS[1]!.phones![0]! };
const ORG_BODY = (org: string) => {
  const o = ORGS[org === 'hz' ? 0 : 1]!;
  return { orgName: o.orgName, taxNo: o.taxNo, clientId: o.clientId };
};

interface Ctx {
  invoice: Record<string, string>;
  record: Record<string, unknown>;
  run: Record<string, string>;
  log: Record<string, string>;
  receiver: string;
  seq: number;
}
type Fixture = (org: string, c: Ctx) => { path: string; body?: unknown };

const at = '2024-07-22';
const FIXTURES: Record<RouteKey, Fixture> = {
  'POST /sync': (org) => ({ path: '/sync', body: { type: 'input', orgIds: [org], dataDate: at } }),
  'POST /sync/by-bills': (org) => ({
    path: '/sync/by-bills',
    body: { orgId: org, billNos: ['B1'] },
  }),
  'GET /sync/runs': (org) => ({ path: `/sync/runs?orgId=${org}` }),
  'GET /sync/runs/{runId}': (org, c) => ({ path: `/sync/runs/${c.run[org]}` }),
  'GET /sync/reconcile': (org) => ({ path: `/sync/reconcile?orgId=${org}&type=input` }),
  'GET /invoices': (org) => ({ path: `/invoices?orgId=${org}` }),
  'GET /invoices/{invoiceId}': (org, c) => ({ path: `/invoices/${c.invoice[org]}` }),
  'PATCH /invoices/{invoiceId}': (org, c) => ({
    path: `/invoices/${c.invoice[org]}`,
    body: { buyerName: 'R6' },
  }),
  'POST /invoices/push': (org, c) => ({
    path: '/invoices/push',
    body: { orgId: org, kind: 'input', invoices: [c.record[org]] },
  }),
  'GET /users/{userId}/invoices': (org) => ({ path: `/users/emp-${org}/invoices` }),
  'PUT /users/{userId}': (org) => ({
    path: `/users/emp-${org}`,
    body: { name: `R6 ${org}`, phone: PHONE[org], orgIds: [org] },
  }),
  'POST /bills/events': (org) => ({ path: '/bills/events', body: billEvent(org) }),
  'GET /bills/{billId}/logs': (org) => ({ path: `/bills/R6-BILL-${org}/logs?orgId=${org}` }),
  'GET /bills/dead-letters': () => ({ path: '/bills/dead-letters' }),
  'GET /dead-letters': () => ({ path: '/dead-letters' }),
  'POST /dead-letters/{queue}/redrive': () => ({ path: '/dead-letters/callbacks/redrive' }),
  'POST /billing/orders': (org, c) => ({
    path: '/billing/orders',
    body: { systemId: `sys-${org}`, orderNo: `R6-M-${org}-${++c.seq}` },
  }),
  'POST /billing/results': (org) => ({ path: '/billing/results', body: result(org) }),
  'GET /interaction-logs': () => ({ path: '/interaction-logs' }),
  'GET /orgs': () => ({ path: '/orgs' }),
  'GET /systems': (org) => ({ path: `/systems?orgId=${org}` }),
  'GET /pool/invoices': (org) => ({ path: `/pool/invoices?orgId=${org}` }),
  'GET /pool/invoices/{invoiceId}': (org, c) => ({
    path: `/pool/invoices/${c.invoice[org]}?orgId=${org}`,
  }),
  'POST /interaction-logs/push': (org, c) => ({
    path: '/interaction-logs/push',
    body: { logIds: [c.log[org]] },
  }),
  'POST /interaction-logs/push-by-condition': (org, c) => ({
    path: '/interaction-logs/push-by-condition',
    body: { logIds: [c.log[org]], orderNo: `R6-ORD-${org}`, invoiceNo: '12345678' },
  }),
  'GET /config': () => ({ path: '/config' }),
  'PUT /config': () => ({ path: '/config', body: { lookbackDays: 1 } }),
  'GET /orgs/{orgId}': (org) => ({ path: `/orgs/${org}` }),
  'PUT /orgs/{orgId}': (org) => ({ path: `/orgs/${org}`, body: ORG_BODY(org) }),
  'PUT /systems/{systemId}': (org, c) => ({ path: `/systems/sys-${org}`, body: system(org, c) }),
  'POST /systems/{systemId}/fetch-orders': (org) => ({ path: `/systems/sys-${org}/fetch-orders` }),
};

function billEvent(org: string) {
  return {
    type: 'deleted',
    billId: `R6-BILL-${org}`,
    billNo: `R6-BILL-${org}`,
    orgId: org,
    userId: `emp-${org}`,
    billStatus: 'discarded',
    dataSource: 'R6',
    serialNos: [],
  };
}
function result(org: string) {
  return {
    orderNo: `R6-ORD-${org}`,
    resultType: 'BLUE',
    invoiceNo: '12345678',
    serialNo: `R6-S-${org}`,
    time: `${at} 10:00:00`,
  };
}
function system(org: string, c: Ctx) {
  return { orgId: org, name: `R6 ${org}`, callbackUrl: `${c.receiver}/hooks/${org}` };
}

const TOKENS: Record<Role, { sub: string; orgId?: string; roles: Role[] }> = {
  operator: { sub: 'op-r6', roles: ['operator'] },
  expense: { sub: `svc-${OWN}`, orgId: OWN, roles: ['expense'] },
  user: { sub: `emp-${OWN}`, orgId: OWN, roles: ['user'] },
  cloud: { sub: `cloud-${OWN}`, orgId: OWN, roles: ['cloud'] },
};

/**
 * What a cell must answer: 403 for a role the route does not name, 404 across orgs, else a real
 * answer.
 */
const expected = (key: RouteKey, role: Role, variant: 'own' | 'other'): string => {
  if (!(ROUTES[key].roles as readonly Role[]).includes(role)) return '403';
  if (role === 'operator' || variant === 'own') return 'answered';
  return '404';
};
/**
 * `answered`: the route did its work or refused the input itself (not auth, not scoping, not a
 * 5xx).
 */
const outcome = (status: number, want: string): string =>
  want === 'answered' && ![401, 403, 404].includes(status) && status < 500
    ? 'answered'
    : String(status);

describe('R6 org scoping: every route × every role × own / other org', () => {
  let h: Harness;
  let rcv: Receiver;
  const ctx: Ctx = { invoice: {}, record: {}, run: {}, log: {}, receiver: '', seq: 0 };
  const as = (role: Role) => h.stack.token(TOKENS[role]);

  beforeAll(async () => {
    h = await startHarness();
    rcv = await startReceiver();
    ctx.receiver = rcv.url;
    await h.api('POST', '/sync', { type: 'input' });
    await h.stack.settle();
    // Setup answers are not asserted here (the matrix shows any route that fails); they are
    // printed.
    const setup: string[] = [];
    const step = async (what: string, p: Promise<{ status: number; body: any }>) => {
      const res = await p;
      if (res.status >= 300) setup.push(`${what}: ${res.status} ${JSON.stringify(res.body)}`);
      return res;
    };
    for (const org of [OWN, OTHER]) {
      const rec = h.sim.org(TAX[org]!).ledgers.input[0]!;
      ctx.record[org] = rec;
      ctx.invoice[org] = invoiceIdOf(org, 'input', rec.serialNo);
      ctx.run[org] = (await h.api('GET', `/sync/runs?orgId=${org}`)).body.items[0].runId;
      const u = FIXTURES['PUT /users/{userId}'](org, ctx);
      await step(`user of ${org}`, h.api('PUT', u.path, u.body));
      await step(`system of ${org}`, h.api('PUT', `/systems/sys-${org}`, system(org, ctx)));
      const svc = h.stack.token({ sub: `svc-${org}`, orgId: org, roles: ['expense'] });
      const order = { systemId: `sys-${org}`, orderNo: `R6-ORD-${org}` };
      ctx.log[org] = (await step(`order of ${org}`, h.api('POST', '/billing/orders', order, svc)))
        .body?.logId;
      await step(`bill of ${org}`, h.api('POST', '/bills/events', billEvent(org), svc));
    }
    if (setup.length) console.warn(`R6 setup steps refused:\n${setup.join('\n')}`);
    await h.stack.settle();
  });
  afterAll(async () => {
    await h.stop();
    await rcv.stop();
  });

  it('each cell answers as its route and role require', async () => {
    // Arrange
    const rows: { cell: string; want: string; got: string }[] = [];
    // Act
    for (const key of Object.keys(ROUTES) as RouteKey[]) {
      const method = key.split(' ')[0]!;
      for (const role of ROLES)
        for (const variant of ['own', 'other'] as const) {
          const { path, body } = FIXTURES[key](variant === 'own' ? OWN : OTHER, ctx);
          const res = await h.api(method, path, body, as(role));
          const want = expected(key, role, variant);
          rows.push({ cell: `${key} ${role} ${variant}`, want, got: outcome(res.status, want) });
        }
    }
    await h.stack.settle();
    // Assert
    const wrong = rows.filter((r) => r.got !== r.want);
    const shape = `${Object.keys(ROUTES).length} routes × ${ROLES.length} roles × own/other org`;
    figure(`R6: ${rows.length} cells (${shape}), ${wrong.length} not as SPEC says`);
    expect(wrong.map((r) => `${r.cell}: want ${r.want}, got ${r.got}`)).toEqual([]);
  });

  it('an employee reads only their own folder, not a colleague’s', async () => {
    // Arrange: a colleague in the same org
    await h.api('PUT', `/users/emp-${OWN}-2`, {
      name: 'colleague',
      phone: '13700137001',
      orgIds: [OWN],
    });
    // Act
    const own = await h.api('GET', `/users/emp-${OWN}/invoices`, undefined, as('user'));
    const colleague = await h.api('GET', `/users/emp-${OWN}-2/invoices`, undefined, as('user'));
    // Assert
    expect(own.status).toBe(200);
    expect([403, 404]).toContain(colleague.status);
  });

  it('a non-operator token without an orgId is refused on every route', async () => {
    for (const key of Object.keys(ROUTES) as RouteKey[]) {
      const { path, body } = FIXTURES[key](OWN, ctx);
      for (const role of ['expense', 'user', 'cloud'] as const) {
        const res = await h.api(
          key.split(' ')[0]!,
          path,
          body,
          h.stack.token({ sub: 'x', roles: [role] }),
        );
        expect([key, role, res.status]).toEqual([key, role, 401]);
      }
    }
  });
});
