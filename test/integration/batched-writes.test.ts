/**
 * Issue 18's batched writes, on DynamoDB Local: personal-folder links and first collectors (to
 * whom attachments are bound) written per page in batches (still created once: a re-sync changes
 * nothing that exists; a record not stored gets nothing), and the
 * operator push's attempt recorder (writes while POSTs are still in flight, a missing log skipped).
 */
import type { CloudInvoice } from '#shared/domain/schemas/cloud.js';
import type { InteractionLog } from '#shared/domain/schemas/interaction.js';
import { applyFolders, planFolders } from '#shared/use-cases/folders/link-collectors.js';
import { invoiceIdOf, invoiceKey } from '#shared/adapters/dynamo/keys.js';
import { startHarness, type Harness } from '../support/harness.js';

const record = (serialNo: string, phones: string[], files: string[]) =>
  ({
    serialNo,
    users: phones.map((phone) => ({ phone, name: 'x' })),
    invoiceFiles: files.map((fileId) => ({ fileId })),
  }) as unknown as CloudInvoice;
const PHONE_A = '13900000001';
const PHONE_B = '13900000002';

describe('batched writes', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ register: false });
    const at = new Date().toISOString();
    for (const [userId, phone] of [
      ['ua', PHONE_A],
      ['ub', PHONE_B],
    ] as const)
      await h.stack.deps.stores.users.put({
        userId,
        name: userId,
        phone,
        orgIds: ['hz'],
        updatedAt: at,
      });
  });
  afterAll(async () => h?.stop());

  it('links and binds once per page; a second sync adds only what is new', async () => {
    const { stores } = h.stack.deps;
    const ctx = { orgId: 'hz', kind: 'input' as const };
    const linkCollectors = async (
      records: CloudInvoice[],
      c: typeof ctx & { at: string },
      stored: (r: CloudInvoice) => boolean = () => true,
    ) => applyFolders(await planFolders(records, c, stores), stored, stores);
    const first = [
      record('S1', [PHONE_A, PHONE_B], ['f1']),
      record('S2', ['13900000099'], ['f2']),
      record('S3', [PHONE_A, PHONE_A], []),
    ];
    const t1 = '2026-01-01T00:00:00.000Z';
    const s1 = await linkCollectors(first, { ...ctx, at: t1 });
    expect(s1).toMatchObject({ linked: 3, unmatched: 1, noPermission: 0, bound: 1 });

    // S2 gains a collector: one new link, its attachment bound to that user; nothing else moves.
    const t2 = '2026-01-02T00:00:00.000Z';
    const second = [first[0]!, record('S2', [PHONE_B], ['f2']), first[2]!];
    const s2 = await linkCollectors(second, { ...ctx, at: t2 });
    expect(s2).toMatchObject({ linked: 1, unmatched: 0, bound: 1 });

    const folderA = (await stores.links.folder('ua', 10)).items;
    expect(folderA.map((l) => [l.invoiceId, l.linkedAt]).sort()).toEqual([
      [invoiceIdOf('hz', 'input', 'S1'), t1],
      [invoiceIdOf('hz', 'input', 'S3'), t1],
    ]);
    const folderB = (await stores.links.folder('ub', 10)).items;
    expect(folderB.map((l) => [l.invoiceId, l.linkedAt]).sort()).toEqual([
      [invoiceIdOf('hz', 'input', 'S1'), t1],
      [invoiceIdOf('hz', 'input', 'S2'), t2],
    ]);
    const pk = (s: string) => invoiceKey.pk('hz', 'input', s);
    const firstOf = async (...pks: string[]) =>
      Object.fromEntries(
        [...(await stores.invoices.firstUsers(pks))].map(([k, f]) => [k, f.userId]),
      );
    expect(await firstOf(pk('S1'), pk('S2'), pk('S3'))).toEqual({
      [pk('S1')]: 'ua',
      [pk('S2')]: 'ub',
      [pk('S3')]: 'ua',
    });

    // The same page again: nothing new, nothing rewritten.
    const s3 = await linkCollectors(second, { ...ctx, at: '2026-01-03T00:00:00.000Z' });
    expect(s3).toMatchObject({ linked: 0, bound: 0 });
    expect((await stores.links.folder('ub', 10)).items.map((l) => l.linkedAt).sort()).toEqual([
      t1,
      t2,
    ]);

    // A record the page did not store (refused, or stale) gets no link, no first user, and its
    // unknown collectors are not counted.
    const s4 = await linkCollectors(
      [record('S4', [PHONE_A, '13900000098'], ['f4']), record('S5', [PHONE_B], ['f5'])],
      { ...ctx, at: '2026-01-04T00:00:00.000Z' },
      (r) => r.serialNo !== 'S4',
    );
    expect(s4).toMatchObject({ linked: 1, bound: 1, unmatched: 0, sample: [] });
    expect(await firstOf(pk('S4'), pk('S5'))).toEqual({ [pk('S5')]: 'ub' });
    const linkedA = (await stores.links.folder('ua', 10)).items.map((l) => l.invoiceId);
    expect(linkedA).not.toContain(invoiceIdOf('hz', 'input', 'S4'));
  });

  it('racing first-user claims agree: the loser answers the winner, none replaced', async () => {
    const { invoices } = h.stack.deps.stores;
    const pks = ['R1', 'R2', 'R3'].map((s) => invoiceKey.pk('hz', 'input', s));
    const at = '2026-01-05T00:00:00.000Z';
    const [a, b] = await Promise.all([
      invoices.claimFirstUsers(
        pks.map((pk) => ({ pk, userId: 'ua' })),
        at,
      ),
      invoices.claimFirstUsers(
        pks.map((pk) => ({ pk, userId: 'ub' })),
        at,
      ),
    ]);
    const stored = await invoices.firstUsers(pks);
    for (const pk of pks) {
      expect(a.get(pk)!.first).toEqual(stored.get(pk));
      expect(b.get(pk)!.first).toEqual(stored.get(pk));
      // Exactly one of the two created it.
      expect([a.get(pk)!.won, b.get(pk)!.won].sort()).toEqual([false, true]);
    }
    // A later claim with another user changes nothing.
    const late = await invoices.claimFirstUsers([{ pk: pks[0]!, userId: 'uc' }], at);
    expect(late.get(pks[0]!)).toEqual({ first: stored.get(pks[0]!), won: false });
    expect((await invoices.firstUsers([pks[0]!])).get(pks[0]!)).toEqual(stored.get(pks[0]!));
  });

  it("a writer that lost the claim to a racer never re-writes the racer's links", async () => {
    const { stores } = h.stack.deps;
    const ctx = { orgId: 'hz', kind: 'input' as const };
    const page = [record('T1', [PHONE_A], ['f1'])];
    // A (a sync page) reads first: nobody is linked yet.
    const planA = await planFolders(page, { ...ctx, at: '2026-02-01T00:00:00.000Z' }, stores);
    // B (a pushed invoice) then claims and links.
    const tB = '2026-02-01T00:00:05.000Z';
    const sB = await applyFolders(
      await planFolders(page, { ...ctx, at: tB }, stores),
      () => true,
      stores,
    );
    // A writes last.
    const sA = await applyFolders(planA, () => true, stores);

    expect(sB).toMatchObject({ linked: 1, bound: 1 });
    expect(sA).toMatchObject({ linked: 0, bound: 0 });
    const folder = (await stores.links.folder('ua', 10)).items;
    const t1 = folder.find((l) => l.invoiceId === invoiceIdOf('hz', 'input', 'T1'));
    expect(t1?.linkedAt).toBe(tB);
  });

  it('a first user claimed by a writer that died before linking is linked later', async () => {
    const { stores } = h.stack.deps;
    const pk = invoiceKey.pk('hz', 'input', 'T2');
    const t0 = '2026-03-01T00:00:00.000Z';
    // The claim landed, the links did not (the writer died in between).
    await stores.invoices.claimFirstUsers([{ pk, userId: 'ua' }], t0);
    // The next sync names another collector only.
    const t1 = '2026-03-02T00:00:00.000Z';
    const page = [record('T2', [PHONE_B], ['f2'])];
    const plan = await planFolders(page, { orgId: 'hz', kind: 'input', at: t1 }, stores);
    const stats = await applyFolders(plan, () => true, stores);

    expect(stats).toMatchObject({ linked: 2, bound: 0 });
    const invoiceId = invoiceIdOf('hz', 'input', 'T2');
    expect(await stores.links.usersOf(invoiceId)).toEqual(['ua', 'ub']);
    const own = (await stores.links.folder('ua', 50)).items.find((l) => l.invoiceId === invoiceId);
    expect(own?.linkedAt).toBe(t0);
  });

  it('the push recorder writes while attempts still arrive, and skips a missing log', async () => {
    const logs = h.stack.deps.stores.logs;
    const at = new Date().toISOString();
    const log = (logId: string): InteractionLog => ({
      logId,
      orgId: 'hz',
      systemId: 'erp',
      operationType: 'BLUE_RESULT_CALLBACK',
      dataStatus: 'FAILED',
      processingMethod: 'API_PASSIVE',
      orderNo: 'ORD1',
      invoiceNo: '1',
      request: null,
      response: null,
      attempts: [],
      webhookId: `msg_${logId}`,
      payload: {
        type: 'invoice.result',
        logId,
        orderNo: 'ORD1',
        resultType: 'BLUE',
        invoiceNo: '1',
        invoiceCode: null,
        serialNo: 'S1',
        reason: null,
        time: '2024-07-22 10:00:00',
      },
      createdAt: at,
      updatedAt: at,
    });
    for (let i = 0; i < 30; i++) await logs.create(log(`rec_${i}`));
    const attempt = {
      at,
      status: 200,
      latencyMs: 1,
      ok: true,
      response: 'ok',
      trigger: 'push' as const,
    };
    const recorder = logs.attemptRecorder({ size: 25, flushMs: 20 });
    recorder.add({ logId: 'rec_0', attempt, dataStatus: 'SUCCEEDED' });
    // Flushed on its timer, before `close`: the write overlaps what is still being sent.
    await new Promise((r) => setTimeout(r, 1_000));
    expect((await logs.get('rec_0'))?.attempts).toHaveLength(1);
    for (let i = 1; i < 30; i++)
      recorder.add({ logId: `rec_${i}`, attempt, dataStatus: 'SUCCEEDED' });
    recorder.add({ logId: 'rec_missing', attempt, dataStatus: 'SUCCEEDED' });
    await recorder.close();
    for (let i = 0; i < 30; i++) {
      const got = await logs.get(`rec_${i}`);
      expect(got?.dataStatus).toBe('SUCCEEDED');
      expect(got?.attempts.map((a) => a.status)).toEqual([200]);
    }
    expect(await logs.get('rec_missing')).toBeUndefined();
  });
});
