/**
 * Security review H2 (the user directory and personal folders are org-scoped), L6 (pushed
 * invoices: links only within the pushing org, attachment URLs `https:` only) and lost updates
 * (`ETag` / `If-Match` on invoice edits and orgs). Tokens carry the SPEC §4.1 roles.
 */
import { startHarness, ORGS, type Harness } from '../support/harness.js';
import { invoiceIdOf } from '#shared/adapters/dynamo/keys.js';

const HZ_TAX = ORGS[0]!.taxNo;
const SH_TAX = ORGS[1]!.taxNo;
const [P1] = ORGS[0]!.phones as [string];
const [SH_PHONE] = ORGS[1]!.phones as [string];

const sync = async (h: Harness, orgId: string) => {
  await h.api('POST', '/sync', { type: 'input', orgIds: [orgId] });
  await h.stack.settle();
};
const withPhone = (h: Harness, tax: string, phone: string) =>
  h.sim
    .org(tax)
    .ledgers.input.filter((r) => r.users.some((u) => u.phone === phone))
    .map((r) => r.serialNo)
    .sort();
const tokens = (h: Harness) => ({
  hz: h.stack.token({ sub: 'hz-expense', orgId: 'hz', roles: ['expense'] }),
  sh: h.stack.token({ sub: 'sh-expense', orgId: 'sh', roles: ['expense'] }),
  cloudHz: h.stack.token({ sub: 'cloud', orgId: 'hz', roles: ['cloud'] }),
  user: (sub: string, orgId: string) => h.stack.token({ sub, orgId, roles: ['user'] }),
});
/** `PUT /users/{userId}` with `token`. */
const putUser = (h: Harness, userId: string, body: unknown, token: string) =>
  h.api('PUT', `/users/${userId}`, body, token);
/** A request with extra headers, answering the reply's headers too. */
const call = async (
  h: Harness,
  method: string,
  path: string,
  token: string,
  body?: unknown,
  extra: Record<string, string> = {},
) => {
  const r = await h.stack.http(
    method,
    path,
    { 'content-type': 'application/json', authorization: `Bearer ${token}`, ...extra },
    body === undefined ? '' : JSON.stringify(body),
  );
  return { status: r.status, body: r.body ? JSON.parse(r.body) : undefined, etag: r.headers.etag };
};

describe('H2: the user directory and folders are org-scoped', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
    await h.api('PUT', '/config', { personalFolderSync: true });
  });
  afterEach(() => h.stop());

  it("the review's attack: hz can neither take over sh's user nor claim her phone", async () => {
    // Arrange: sh's expense system registers Alice.
    const t = tokens(h);
    const alice = { name: 'Alice', phone: SH_PHONE, orgIds: ['sh'] };
    expect((await putUser(h, 'alice-sh', alice, t.sh)).status).toBe(201);

    // Act: hz moves Alice off her phone, then claims the phone and org sh for mallory.
    const overwrite = await putUser(
      h,
      'alice-sh',
      { name: 'x', phone: '13511110000', orgIds: [] },
      t.hz,
    );
    const grant = await putUser(
      h,
      'mallory',
      { name: 'M', phone: '13511112222', orgIds: ['sh'] },
      t.hz,
    );
    const claim = await putUser(h, 'mallory', { name: 'M', phone: SH_PHONE, orgIds: ['hz'] }, t.hz);
    await sync(h, 'sh');

    // Assert
    const { users, links } = h.stack.deps.stores;
    expect(overwrite.status).toBe(404);
    expect(grant.status).toBe(404);
    expect(grant.body.error.message).toMatch(/^orgIds/);
    expect(claim.status).toBe(409);
    expect(JSON.stringify(claim.body)).not.toMatch(/alice|Alice/);
    expect(await users.get('alice-sh')).toMatchObject(alice);
    expect(await users.get('mallory')).toBeUndefined();
    expect((await links.folder('mallory', 200)).items).toEqual([]);
    const aliceFolder = (await links.folder('alice-sh', 200)).items;
    expect(aliceFolder).toHaveLength(withPhone(h, SH_TAX, SH_PHONE).length);
  });

  it('an expense token changes only its own org of a user; other orgs are kept', async () => {
    // Arrange: a user of both orgs (registered by an operator).
    const t = tokens(h);
    const at = new Date().toISOString();
    const shared = { name: 'B', phone: SH_PHONE, orgIds: ['hz', 'sh'] };
    await h.stack.deps.stores.users.put({ userId: 'both', ...shared, updatedAt: at });

    // Act
    const rename = await putUser(h, 'both', { ...shared, name: 'C', orgIds: ['hz'] }, t.hz);
    const rephone = await putUser(
      h,
      'both',
      { name: 'B', phone: '13511113333', orgIds: ['hz'] },
      t.hz,
    );
    const leave = await putUser(h, 'both', { name: 'B', phone: SH_PHONE, orgIds: [] }, t.hz);
    const after = await putUser(h, 'both', { name: 'B', phone: SH_PHONE, orgIds: [] }, t.hz);

    // Assert
    expect(rename.status).toBe(403);
    expect(rename.body.error.message).toMatch(/^name/);
    expect(rephone.status).toBe(403);
    expect(rephone.body.error.message).toMatch(/^phone/);
    expect(leave.status).toBe(200);
    expect(leave.body.orgIds).toEqual(['sh']);
    expect(after.status).toBe(404);
    expect(await h.stack.deps.stores.users.get('both')).toMatchObject({
      name: 'B',
      phone: SH_PHONE,
      orgIds: ['sh'],
    });
  });

  it("expense reads its org's users' folders, its org's invoices only; others 404", async () => {
    // Arrange: mallory (hz) with her hz invoices, plus a link into sh left by the attack.
    const t = tokens(h);
    await putUser(h, 'mallory', { name: 'M', phone: P1, orgIds: ['hz'] }, t.hz);
    await putUser(h, 'alice-sh', { name: 'A', phone: SH_PHONE, orgIds: ['sh'] }, t.sh);
    await sync(h, 'hz');
    await sync(h, 'sh');
    const shSerial = withPhone(h, SH_TAX, SH_PHONE)[0]!;
    await h.stack.deps.stores.links.createMany([
      {
        userId: 'mallory',
        invoiceId: invoiceIdOf('sh', 'input', shSerial),
        orgId: 'sh',
        linkedAt: new Date().toISOString(),
      },
    ]);

    // Act
    const own = await h.api('GET', '/users/mallory/invoices?limit=200', undefined, t.hz);
    const other = await h.api('GET', '/users/mallory/invoices', undefined, t.sh);
    const shOwn = await h.api('GET', '/users/alice-sh/invoices?limit=200', undefined, t.sh);

    // Assert
    expect(own.status).toBe(200);
    expect(own.body.items.map((i: { serialNo: string }) => i.serialNo).sort()).toEqual(
      withPhone(h, HZ_TAX, P1),
    );
    expect(other.status).toBe(404);
    expect(shOwn.status).toBe(200);
    expect(shOwn.body.items).toHaveLength(withPhone(h, SH_TAX, SH_PHONE).length);
  });

  it('the user role reads only its own folder, its org only; operators every org', async () => {
    // Arrange
    const t = tokens(h);
    await putUser(h, 'mallory', { name: 'M', phone: P1, orgIds: ['hz'] }, t.hz);
    await sync(h, 'hz');
    await sync(h, 'sh');
    const shSerial = h.sim.org(SH_TAX).ledgers.input[0]!.serialNo;
    await h.stack.deps.stores.links.createMany([
      {
        userId: 'mallory',
        invoiceId: invoiceIdOf('sh', 'input', shSerial),
        orgId: 'sh',
        linkedAt: new Date().toISOString(),
      },
    ]);
    const path = '/users/mallory/invoices?limit=200';

    // Act
    const mine = await h.api('GET', path, undefined, t.user('mallory', 'hz'));
    const notMine = await h.api('GET', path, undefined, t.user('bob', 'hz'));
    const operator = await h.api('GET', path, undefined, h.operator);

    // Assert
    const orgs = (r: { body: { items: { orgId: string }[] } }) =>
      [...new Set(r.body.items.map((i) => i.orgId))].sort();
    expect(mine.status).toBe(200);
    expect(orgs(mine)).toEqual(['hz']);
    expect(mine.body.items).toHaveLength(withPhone(h, HZ_TAX, P1).length);
    expect(notMine.status).toBe(404);
    expect(operator.status).toBe(200);
    expect(orgs(operator)).toEqual(['hz', 'sh']);
  });
});

describe('L6: pushed invoices', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
    await h.api('PUT', '/config', { personalFolderSync: true });
  });
  afterEach(() => h.stop());

  const record = (h: Harness, serialNo: string, url: string, phones: string[] = []) => ({
    ...h.sim.org(HZ_TAX).ledgers.input[0]!,
    serialNo,
    users: phones.map((phone) => ({ phone, name: 'n' })),
    invoiceFiles: [
      { fileId: `F-${serialNo}`, fileName: 'a.pdf', fileType: 'pdf', fileSize: 1, url },
    ],
  });

  it('a non-https: attachment URL is never stored; its invoice is, the link noted', async () => {
    // Arrange
    const t = tokens(h);
    const urls = [
      'https://files.example.com/a.pdf',
      'javascript:alert(1)',
      'http://files.example.com/a.pdf',
      'data:text/html,<script>alert(1)</script>',
      'not a url',
    ];
    const invoices = urls.map((u, i) => record(h, `PUSH-URL-${i}`, u));

    // Act
    const res = await h.api(
      'POST',
      '/invoices/push',
      { orgId: 'hz', kind: 'input', invoices },
      t.cloudHz,
    );

    // Assert
    expect(res.status).toBe(200);
    expect(res.body.results.map((r: { ok: boolean }) => r.ok)).toEqual(urls.map(() => true));
    expect(res.body.results[0].notes).toBeUndefined();
    for (const r of res.body.results.slice(1))
      expect(r.notes).toEqual([expect.stringMatching(/^invoiceFiles\.0\.url: .*https/)]);
    const stored = await Promise.all(
      invoices.map(
        async (i) => (await h.stack.deps.stores.invoices.get('hz', 'input', i.serialNo))!,
      ),
    );
    expect(stored.map((i) => i.attachments[0]!.url)).toEqual([urls[0], null, null, null, null]);
  });

  it("a push links only users of the pushing org, never another org's user", async () => {
    // Arrange
    const t = tokens(h);
    await putUser(h, 'alice-sh', { name: 'A', phone: SH_PHONE, orgIds: ['sh'] }, t.sh);
    await putUser(h, 'u1', { name: 'U', phone: P1, orgIds: ['hz'] }, t.hz);
    const invoices = [record(h, 'PUSH-LINK', 'https://files.example.com/x', [SH_PHONE, P1])];

    // Act
    const res = await h.api(
      'POST',
      '/invoices/push',
      { orgId: 'hz', kind: 'input', invoices },
      t.cloudHz,
    );

    // Assert
    const { links } = h.stack.deps.stores;
    expect(res.status).toBe(200);
    expect(res.body.folder).toMatchObject({ linked: 1, noPermission: 1 });
    expect((await links.folder('alice-sh', 10)).items).toEqual([]);
    expect((await links.folder('u1', 10)).items.map((l) => l.invoiceId)).toEqual([
      invoiceIdOf('hz', 'input', 'PUSH-LINK'),
    ]);
  });
});

describe('ETag / If-Match: no lost updates', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
    await sync(h, 'hz');
  });
  afterAll(() => h.stop());

  it('PATCH /invoices/{id} with a stale If-Match is a 412 and writes nothing', async () => {
    // Arrange
    const t = tokens(h);
    const serialNo = h.sim.org(HZ_TAX).ledgers.input[3]!.serialNo;
    const path = `/invoices/${invoiceIdOf('hz', 'input', serialNo)}`;
    const read = await call(h, 'GET', path, t.hz);

    // Act
    const first = await call(
      h,
      'PATCH',
      path,
      t.hz,
      { buyerName: 'first' },
      { 'if-match': read.etag! },
    );
    const lost = await call(
      h,
      'PATCH',
      path,
      t.hz,
      { buyerName: 'lost' },
      { 'If-Match': read.etag! },
    );
    const after = await call(h, 'GET', path, t.hz);
    const fresh = await call(
      h,
      'PATCH',
      path,
      t.hz,
      { buyerName: 'third' },
      { 'if-match': after.etag! },
    );

    // Assert
    expect(read.etag).toMatch(/^"[^"]+"$/);
    expect(first.status).toBe(200);
    expect(first.etag).toMatch(/^"[^"]+"$/);
    expect(first.etag).not.toBe(read.etag);
    expect(lost.status).toBe(412);
    expect(lost.body.error.code).toBe('PRECONDITION_FAILED');
    expect(after.body.buyerName).toBe('first');
    expect(after.etag).toBe(first.etag);
    expect(fresh.status).toBe(200);
    expect(fresh.body.buyerName).toBe('third');
  });

  it('PUT /orgs/{id} with a stale If-Match is a 412; nothing written, not the secret', async () => {
    // Arrange
    const org = { orgName: ORGS[1]!.orgName, taxNo: SH_TAX, clientId: 'client-sh' };
    const read = await call(h, 'GET', '/orgs/sh', h.operator);

    // Act
    const first = await call(
      h,
      'PUT',
      '/orgs/sh',
      h.operator,
      { ...org, orgName: 'first' },
      {
        'if-match': read.etag!,
      },
    );
    const lost = await call(
      h,
      'PUT',
      '/orgs/sh',
      h.operator,
      { ...org, orgName: 'lost', clientSecret: 'lost-secret' },
      { 'if-match': read.etag! },
    );
    const after = await call(h, 'GET', '/orgs/sh', h.operator);
    const unconditional = await call(h, 'PUT', '/orgs/sh', h.operator, org);

    // Assert
    expect(read.etag).toMatch(/^"[^"]+"$/);
    expect(first.status).toBe(200);
    expect(first.etag).not.toBe(read.etag);
    expect(lost.status).toBe(412);
    expect(lost.body.error.code).toBe('PRECONDITION_FAILED');
    expect(after.body.orgName).toBe('first');
    expect(after.etag).toBe(first.etag);
    expect(await h.stack.secrets.get('org/sh/client-secret')).toBe(ORGS[1]!.clientSecret);
    expect(unconditional.status).toBe(200);
    expect(unconditional.etag).not.toBe(first.etag);
  });
});
