/**
 * Integrity review, folders and pool (findings 4, 12, 13), with the harness showing what AWS does:
 * GSIs (and, where a finding needs it, eventually consistent GetItem) lag behind writes.
 */
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { startHarness, ORGS, type Harness } from '../support/harness.js';
import { gsiLag, type GsiLag } from '../support/aws/gsi-lag.js';
import { configKey, invoiceIdOf } from '#shared/adapters/dynamo/keys.js';
import { createDocClient } from '#shared/adapters/dynamo/dynamo.js';
import { localClientConfig } from '#local/dynamo-local.js';

const TAX = ORGS[0]!.taxNo;
const [P1, P2] = ORGS[0]!.phones as [string, string];
const LAG_MS = 60_000;
const ledger = (h: Harness) => h.sim.org(TAX).ledgers.input;
const syncHz = async (h: Harness) => {
  const res = await h.api('POST', '/sync', { type: 'input', orgIds: ['hz'] });
  await h.stack.settle();
  return (await h.api('GET', `/sync/runs/${res.body.runs[0].runId}`)).body;
};
/** The user holding a phone, as the sync finds collectors (consistent batch reads). */
const holderOf = async (h: Harness, phone: string) =>
  (await h.stack.deps.stores.users.byPhones([phone])).get(phone);
const putUser = (h: Harness, userId: string, phone: string, orgIds = ['hz']) =>
  h.api('PUT', `/users/${userId}`, { name: '张伟', phone, orgIds }, h.expense);
const invoice = async (h: Harness, serialNo: string) =>
  (await h.api('GET', `/invoices/${invoiceIdOf('hz', 'input', serialNo)}`, undefined, h.expense))
    .body;

describe('the GSI-lag mode of the harness', () => {
  let h: Harness;
  let lag: GsiLag;
  beforeEach(async () => {
    lag = gsiLag({ lagMs: LAG_MS });
    h = await startHarness({ stack: { wrapDb: lag.wrap } });
  });
  afterEach(() => h.stop());

  it('hides a fresh write from index queries until the index catches up', async () => {
    const { links } = h.stack.deps.stores;
    const link = {
      userId: 'u1',
      invoiceId: 'inv-1',
      orgId: 'hz',
      linkedAt: '2024-07-22T00:00:00Z',
    };
    await links.createMany([link]);

    const lagged = await links.folder('u1', 10);
    lag.catchUp();
    const caughtUp = await links.folder('u1', 10);

    expect(lagged.items).toEqual([]);
    expect(lag.hidden).toBe(1);
    expect(caughtUp.items.map((l) => l.invoiceId)).toEqual(['inv-1']);
  });
});

describe('finding 4: attachments bind to the first linked user, with GSI lag', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness({ stack: { wrapDb: gsiLag({ lagMs: LAG_MS }).wrap } });
    expect((await putUser(h, 'u1', P1)).status).toBe(201);
    expect((await putUser(h, 'u2', P2)).status).toBe(201);
    await h.api('PUT', '/config', { personalFolderSync: true });
  });
  afterEach(() => h.stop());

  it('binds every linked invoice with files to its first linked user (users[] order)', async () => {
    const userOf: Record<string, string> = { [P1]: 'u1', [P2]: 'u2' };
    const withFiles = ledger(h).filter((r) => r.invoiceFiles.length);
    for (const r of withFiles.filter((x) => !x.users.length).slice(0, 5))
      h.sim.mutate(TAX, 'input', r.serialNo, {
        users: [
          { phone: P2, name: '王芳' },
          { phone: P1, name: '张伟' },
        ],
      });
    const linked = ledger(h).filter((r) => r.invoiceFiles.length && r.users.length);
    expect(linked.length).toBeGreaterThan(10);

    const run = await syncHz(h);

    expect(run.status).toBe('succeeded');
    const wrong: string[] = [];
    for (const r of linked) {
      const expected = userOf[r.users[0]!.phone];
      const got = (await invoice(h, r.serialNo)).attachments.map((a: any) => a.userId);
      if (got.some((u: string | null) => u !== expected))
        wrong.push(`${r.serialNo}: ${JSON.stringify(got)} ≠ ${expected}`);
    }
    expect(wrong).toEqual([]);
    expect(run.folder.bound).toBe(linked.reduce((n, r) => n + r.invoiceFiles.length, 0));
  });
});

describe('finding 12: a phone change never orphans the old phone claim', () => {
  let h: Harness;
  afterEach(() => h.stop());

  it('a phone change right after creation (stale reads allowed) frees the old phone', async () => {
    h = await startHarness({
      stack: { wrapDb: gsiLag({ lagMs: LAG_MS, eventualGets: true }).wrap },
    });
    expect((await putUser(h, 'u1', P1)).status).toBe(201);
    const changed = await putUser(h, 'u1', P2);

    const newOwner = await putUser(h, 'u3', P1);

    expect(newOwner.status).toBe(201);
    expect(changed.status).toBe(200);
    expect((await holderOf(h, P1))?.userId).toBe('u3');
    expect((await holderOf(h, P2))?.userId).toBe('u1');
  });

  it('two concurrent creates of a user with two phones leave only its final phone', async () => {
    h = await startHarness();
    const [a, b] = ['13511110001', '13511110002'];

    const results = await Promise.all([putUser(h, 'u5', a), putUser(h, 'u5', b)]);

    expect(results.map((r) => r.status).sort()).toEqual([200, 201]);
    const user = await h.stack.deps.stores.users.get('u5');
    const other = user!.phone === a ? b : a;
    expect((await holderOf(h, user!.phone))?.userId).toBe('u5');
    expect(await holderOf(h, other)).toBeUndefined();
    expect((await putUser(h, 'u6', other)).status).toBe(201);
  });

  it('a claim the old code left behind resolves to nobody and can be registered', async () => {
    h = await startHarness();
    const orphan = '13522220000';
    expect((await putUser(h, 'u1', P1)).status).toBe(201);
    await rawPut(h, { ...configKey.phone(orphan), userId: 'u1' });

    const resolved = await holderOf(h, orphan);
    const newOwner = await putUser(h, 'u7', orphan);

    expect(resolved).toBeUndefined();
    expect(newOwner.status).toBe(201);
    expect((await holderOf(h, orphan))?.userId).toBe('u7');
    expect((await holderOf(h, P1))?.userId).toBe('u1');
  });
});

describe('finding 13: the pool listing shows the same attachment bindings as the invoice', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
    expect((await putUser(h, 'u1', P1)).status).toBe(201);
    expect((await putUser(h, 'u2', P2)).status).toBe(201);
    await h.api('PUT', '/config', { personalFolderSync: true, hideUnusedInPool: false });
  });
  afterEach(() => h.stop());

  it('GET /invoices and GET /invoices/{id} agree on every attachment', async () => {
    await syncHz(h);
    const listed: any[] = [];
    let cursor: string | null = null;
    do {
      const q: string = `orgId=hz&type=input&limit=25${cursor ? `&cursor=${cursor}` : ''}`;
      const res = await h.api('GET', `/invoices?${q}`, undefined, h.expense);
      expect(res.status).toBe(200);
      listed.push(...res.body.items);
      cursor = res.body.nextCursor;
    } while (cursor);

    const differ: string[] = [];
    for (const inv of listed) {
      const one = await invoice(h, inv.serialNo);
      const a = JSON.stringify(inv.attachments);
      if (a !== JSON.stringify(one.attachments)) differ.push(inv.serialNo);
    }

    expect(listed.length).toBe(ledger(h).length);
    expect(listed.some((i) => i.attachments.some((a: any) => a.userId))).toBe(true);
    expect(differ).toEqual([]);
  });
});

/** A write straight to DynamoDB Local, past the stores (data the old code left behind). */
const rawPut = async (h: Harness, item: Record<string, unknown>) => {
  const db = createDocClient(localClientConfig(process.env.DYNAMO_ENDPOINT!));
  await db.send(new PutCommand({ TableName: h.stack.tables.config, Item: item }));
  db.destroy();
};
