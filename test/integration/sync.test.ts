import { startHarness, ORGS, type Harness } from '../support/harness.js';
import type { CloudInvoice } from '#shared/domain/schemas/cloud.js';
import type { Run } from '#shared/domain/schemas/sync.js';
import { invoiceIdOf } from '#shared/adapters/dynamo/keys.js';
import { CloudError } from '#shared/adapters/cloud/client.js';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

const TAX = ORGS[0]!.taxNo;
const ledger = (h: Harness, kind: 'input' | 'output' = 'input') => h.sim.org(TAX).ledgers[kind];

const sync = async (h: Harness, body: object): Promise<Run[]> => {
  const res = await h.api('POST', '/sync', body);
  expect(res.status).toBe(202);
  await h.stack.settle();
  return Promise.all(
    res.body.runs.map(
      async (r: { runId: string }) => (await h.api('GET', `/sync/runs/${r.runId}`)).body as Run,
    ),
  );
};
const poolSerials = (h: Harness, orgId = 'hz', kind: 'input' | 'output' = 'input') =>
  h.stack.deps.stores.invoices.serials(orgId, kind);
const invoice = async (h: Harness, serialNo: string) =>
  (await h.api('GET', `/invoices/${invoiceIdOf('hz', 'input', serialNo)}`, undefined, h.expense))
    .body;

describe('invoice sync on DynamoDB Local + the simulator', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
  });
  afterEach(() => h.stop());

  const fullSync =
    'a full sync stores every invoice of the ledger, with annotation and attachments';
  it(fullSync, async () => {
    const [run] = await sync(h, { type: 'input', orgIds: ['hz'] });
    expect(run).toMatchObject({
      status: 'succeeded',
      orgId: 'hz',
      taxNo: TAX,
      dataDate: null,
      successCount: ledger(h).length,
      attemptCount: 1,
    });
    expect((await poolSerials(h)).sort()).toEqual(
      ledger(h)
        .map((r) => r.serialNo)
        .sort(),
    );
    const tagged = ledger(h).find((r) => r.invoiceTag && r.invoiceFiles.length)!;
    const inv = await invoice(h, tagged.serialNo);
    expect(inv).toMatchObject({
      annotation: tagged.invoiceTag,
      modified: false,
      totalAmount: tagged.totalAmount,
      orgId: 'hz',
      type: 'input',
    });
    expect(inv.invoiceTag).toBeUndefined();
    expect(inv.users).toBeUndefined();
    expect(inv.attachments.map((a: { attachmentId: string }) => a.attachmentId)).toEqual(
      tagged.invoiceFiles.map((f) => f.fileId),
    );
  });

  const datedAndByBill =
    "a dated sync takes only what changed on that CST day; by-bill takes the bills' invoices";
  it(datedAndByBill, async () => {
    const day = ledger(h)[10]!.updateTime.slice(0, 10);
    const [run] = await sync(h, { type: 'input', orgIds: ['hz'], dataDate: day });
    const expected = ledger(h)
      .filter((r) => r.updateTime.startsWith(day))
      .map((r) => r.serialNo)
      .sort();
    expect(run!.successCount).toBe(expected.length);
    expect((await poolSerials(h)).sort()).toEqual(expected);

    const billNo = ledger(h).find((r) => r.billNo && !r.updateTime.startsWith(day))!.billNo!;
    const res = await h.api('POST', '/sync/by-bills', {
      orgId: 'hz',
      billNos: [billNo, 'BX-UNKNOWN'],
    });
    expect(res.status).toBe(202);
    await h.stack.settle();
    const byBill = (await h.api('GET', `/sync/runs/${res.body.runs[0].runId}`)).body as Run;
    const onBill = ledger(h)
      .filter((r) => r.billNo === billNo)
      .map((r) => r.serialNo);
    expect(byBill).toMatchObject({
      status: 'succeeded',
      successCount: onBill.length,
      billNos: [billNo, 'BX-UNKNOWN'],
    });
    expect(byBill.message).toContain('BX-UNKNOWN');
    expect(await poolSerials(h)).toEqual(expect.arrayContaining(onBill));
  });

  const overwriteRule =
    'overwrite rule: unmodified invoices take the cloud data; ' +
    'modified ones keep their face but take status and annotation';
  it(overwriteRule, async () => {
    await sync(h, { type: 'input', orgIds: ['hz'] });
    const [a, b] = ledger(h).filter((r) => r.invoiceCode) as [CloudInvoice, CloudInvoice];
    const patch = await h.api(
      'PATCH',
      `/invoices/${invoiceIdOf('hz', 'input', b.serialNo)}`,
      { buyerName: '本地修改有限公司' },
      h.expense,
    );
    expect(patch.status).toBe(200);
    expect(patch.body.modified).toBe(true);
    for (const r of [a, b])
      h.sim.mutate(TAX, 'input', r.serialNo, {
        totalAmount: '999.99',
        buyerName: '云端名称',
        expendStatus: 60,
        checkStatus: 2,
        invoiceTag: 'new-tag',
      });
    await sync(h, { type: 'input', orgIds: ['hz'] });
    expect(await invoice(h, a.serialNo)).toMatchObject({
      modified: false,
      totalAmount: '999.99',
      buyerName: '云端名称',
      expendStatus: 60,
      annotation: 'new-tag',
    });
    expect(await invoice(h, b.serialNo)).toMatchObject({
      modified: true,
      totalAmount: b.totalAmount,
      buyerName: '本地修改有限公司',
      expendStatus: 60,
      checkStatus: 2,
      annotation: 'new-tag',
    });
  });

  it('a face edit racing a sync of the same invoices is never lost', async () => {
    await sync(h, { type: 'input', orgIds: ['hz'] });
    const targets = ledger(h)
      .slice(0, 20)
      .map((r) => r.serialNo);
    for (const s of targets) h.sim.mutate(TAX, 'input', s, { buyerName: '云端改名' });
    const syncing = sync(h, { type: 'input', orgIds: ['hz'] });
    const edits = targets.map((s, i) =>
      h.api(
        'PATCH',
        `/invoices/${invoiceIdOf('hz', 'input', s)}`,
        { buyerName: `本地-${i}` },
        h.expense,
      ),
    );
    const results = await Promise.all(edits);
    await syncing;
    expect(results.every((r) => r.status === 200)).toBe(true);
    for (const [i, s] of targets.entries())
      expect(await invoice(h, s)).toMatchObject({ modified: true, buyerName: `本地-${i}` });
  });

  const keptLocalFields =
    'nonSyncFields: listed fields keep their local value, ' +
    'new invoices leave them empty, unknown names are reported';
  it(keptLocalFields, async () => {
    await sync(h, { type: 'input', orgIds: ['hz'] });
    const old = ledger(h)[0]!;
    expect(
      (await h.api('PUT', '/config', { nonSyncFields: ['entryAmount', 'deductionFlag', 'colour'] }))
        .status,
    ).toBe(200);
    h.sim.mutate(TAX, 'input', old.serialNo, {
      entryAmount: '1.00',
      deductionFlag: old.deductionFlag === 1 ? 0 : 1,
      outputReason: 'moved',
    });
    const fresh = {
      ...old,
      serialNo: 'NEW-0001',
      invoiceNo: '87654321',
      entryAmount: '5.00',
      deductionFlag: 1,
    };
    h.sim.add(TAX, 'input', [fresh]);
    const [run] = await sync(h, { type: 'input', orgIds: ['hz'] });
    expect(run!.message).toContain('nonSyncFields ignored (not syncable): colour');
    expect(await invoice(h, old.serialNo)).toMatchObject({
      entryAmount: old.entryAmount,
      deductionFlag: old.deductionFlag,
      outputReason: 'moved',
    });
    expect(await invoice(h, 'NEW-0001')).toMatchObject({ entryAmount: null, deductionFlag: null });
  });

  it('malformed cloud records are skipped and counted; the run still succeeds', async () => {
    const bad = ledger(h)
      .slice(3, 5)
      .map((r) => r.serialNo);
    h.sim.setFaults({ malformedSerials: bad });
    const [run] = await sync(h, { type: 'input', orgIds: ['hz'] });
    expect(run).toMatchObject({
      status: 'succeeded',
      failed: 2,
      successCount: ledger(h).length - 2,
    });
    expect(run!.message).toContain(bad[0]);
    const pool = await poolSerials(h);
    expect(pool).not.toContain(bad[0]);
    expect(pool).toHaveLength(ledger(h).length - 2);
  });

  const continuationAcrossInvocations =
    'continuation across invocations ends in exactly the clean-run result, ' +
    'with changes mid-run caught up';
  it(continuationAcrossInvocations, async () => {
    await h.stop();
    h = await startHarness({ stack: { workerBudgetMs: 2000, workerReserveMs: 1990, pageSize: 7 } });
    h.sim.setFaults({ mutateBetweenPages: 1 });
    const [run] = await sync(h, { type: 'input', orgIds: ['hz'] });
    expect(run!.status).toBe('succeeded');
    expect(run!.pages).toBeGreaterThan(Math.ceil(ledger(h).length / 7));
    expect(run!.invocations).toBeGreaterThanOrEqual(Math.ceil(ledger(h).length / 7));
    expect(h.stack.errors).toEqual([]);
    expect((await poolSerials(h)).sort()).toEqual(
      ledger(h)
        .map((r) => r.serialNo)
        .sort(),
    );
    const stale = async () => {
      const out: CloudInvoice[] = [];
      for (const r of ledger(h))
        if ((await invoice(h, r.serialNo)).annotation !== (r.invoiceTag ?? null)) out.push(r);
      return out;
    };
    // Only changes made after the catch-up pass read them can be stale; the next dated run takes
    // them.
    h.sim.setFaults({});
    const late = await stale();
    const since = new Date(Date.parse(run!.startedAt!) + 8 * 3600_000)
      .toISOString()
      .replace('T', ' ')
      .slice(0, 19);
    expect(late.every((r) => r.updateTime >= since)).toBe(true);
    expect(late.length).toBeLessThanOrEqual(3);
    await sync(h, { type: 'input', orgIds: ['hz'], dataDate: since.slice(0, 10) });
    expect(await stale()).toEqual([]);
  });

  it('a run that fails mid-way is retried from its checkpoint, its counts exact', async () => {
    await h.stop();
    h = await startHarness({ stack: { pageSize: 7 } });
    const list = h.stack.deps.cloud.listInvoices.bind(h.stack.deps.cloud);
    let calls = 0;
    h.stack.deps.cloud.listInvoices = (...args) =>
      ++calls === 5
        ? Promise.reject(new CloudError('HTTP503', 'invoice cloud answered HTTP 503', true))
        : list(...args);
    const [failed] = await sync(h, { type: 'input', orgIds: ['hz'] });
    expect(failed!.status).toBe('failed');
    expect(failed!.successCount).toBeGreaterThan(0);
    expect(failed!.successCount).toBeLessThan(ledger(h).length);
    await h.api('POST', '/_local/events/sync-retry', { time: new Date().toISOString() });
    await h.stack.settle();
    const done = (await h.api('GET', `/sync/runs/${failed!.runId}`)).body as Run;
    expect(done).toMatchObject({
      status: 'succeeded',
      attemptCount: 2,
      successCount: ledger(h).length,
      fetched: ledger(h).length,
      pages: Math.ceil(ledger(h).length / 7),
    });
    expect((await poolSerials(h)).sort()).toEqual(
      ledger(h)
        .map((r) => r.serialNo)
        .sort(),
    );
  });

  it('the retry job surfaces a storage fault instead of reporting success', async () => {
    await h.stop();
    let broken = false;
    const wrapDb = (db: DynamoDBDocumentClient) =>
      ({
        send: (cmd: { constructor: { name: string } }) =>
          broken && cmd.constructor.name === 'UpdateCommand'
            ? Promise.reject(new Error('storage down'))
            : db.send(cmd as never),
      }) as unknown as DynamoDBDocumentClient;
    h = await startHarness({ stack: { wrapDb } });
    h.sim.setFaults({ outageTaxNos: [TAX] });
    await sync(h, { type: 'input', orgIds: ['hz'] });
    broken = true;
    const res = await h.api('POST', '/_local/events/sync-retry', {
      time: new Date().toISOString(),
    });
    broken = false;
    expect(res.status).toBe(500);
  });

  const retryLadder =
    'retry ladder: failed → 3 retries → needs_manual with an actionable message; ' +
    'a later success clears it';
  it(retryLadder, async () => {
    h.sim.setFaults({ outageTaxNos: [TAX] });
    const [run] = await sync(h, { type: 'input', orgIds: ['hz'], dataDate: '2024-07-20' });
    expect(run).toMatchObject({ status: 'failed', attemptCount: 1 });
    expect(run!.message).toMatch(/invoice cloud unavailable: .*HTTP 503/);
    const statuses: [string, number][] = [];
    for (let i = 1; i <= 3; i++) {
      const res = await h.api('POST', '/_local/events/sync-retry', {
        time: `2024-07-2${i}T22:00:00Z`,
      });
      expect(res.status).toBe(200);
      await h.stack.settle();
      const r = (await h.api('GET', `/sync/runs/${run!.runId}`)).body as Run;
      statuses.push([r.status, r.attemptCount]);
    }
    expect(statuses).toEqual([
      ['failed', 2],
      ['failed', 3],
      ['needs_manual', 4],
    ]);
    const manual = (await h.api('GET', `/sync/runs/${run!.runId}`)).body as Run;
    expect(manual.message).toMatch(/Check the network and the org's clientId configuration/);
    // a re-run of the retry schedule with the same event has no second effect; needs_manual is not
    // retried
    await h.api('POST', '/_local/events/sync-retry', { time: '2024-07-23T22:00:00Z' });
    await h.stack.settle();
    expect(((await h.api('GET', `/sync/runs/${run!.runId}`)).body as Run).attemptCount).toBe(4);
    h.sim.setFaults({});
    const [ok] = await sync(h, { type: 'input', orgIds: ['hz'], dataDate: '2024-07-20' });
    expect(ok!.status).toBe('succeeded');
    const cleared = (await h.api('GET', `/sync/runs/${run!.runId}`)).body as Run;
    expect(cleared.status).toBe('succeeded');
    expect(cleared.message).toContain(`cleared: run ${ok!.runId}`);
  });

  const missingCredentials =
    'an org without clientId, or with a bad secret, gets a failed run that says which';
  it(missingCredentials, async () => {
    await h.api('PUT', '/orgs/nocred', { orgName: 'No Cred', taxNo: '91110000MA00000001' });
    await h.api('PUT', '/orgs/sh', {
      orgName: ORGS[1]!.orgName,
      taxNo: ORGS[1]!.taxNo,
      clientId: ORGS[1]!.clientId,
      clientSecret: 'wrong',
    });
    const runs = await sync(h, { type: 'input', orgIds: ['nocred', 'sh'] });
    expect(runs[0]).toMatchObject({ status: 'failed' });
    expect(runs[0]!.message).toMatch(
      /no invoice-cloud clientId: set clientId and clientSecret with PUT \/orgs\/nocred/,
    );
    expect(runs[1]!.message).toMatch(/rejected the client credentials \(1101\)/);
  });

  const dailySchedule =
    'the daily schedule queues today and the look-back days for eligible orgs, once per event';
  it(dailySchedule, async () => {
    const event = { time: '2024-07-22T15:30:00Z' }; // 23:30 CST on 2024-07-22
    const first = await h.api('POST', '/_local/events/daily-sync', event);
    expect(first.body.created.map((r: { dataDate: string }) => r.dataDate).sort()).toEqual([
      '2024-07-21',
      '2024-07-21',
      '2024-07-22',
      '2024-07-22',
    ]);
    const again = await h.api('POST', '/_local/events/daily-sync', event);
    expect(again.body).toEqual({ created: [], alreadyQueued: 4 });
    await h.stack.settle();
    const runs = (await h.api('GET', '/sync/runs?orgId=hz&limit=10')).body.items as Run[];
    expect(runs.every((r) => r.status === 'succeeded')).toBe(true);
    const expected = ledger(h)
      .filter((r) => r.updateTime >= '2024-07-21')
      .map((r) => r.serialNo)
      .sort();
    expect((await poolSerials(h)).sort()).toEqual(expected);
  });

  it('reconciliation finds planted differences on both sides', async () => {
    await sync(h, { type: 'input', orgIds: ['hz'] });
    const day = ledger(h)[0]!.updateTime.slice(0, 10);
    const added = { ...ledger(h)[0]!, serialNo: 'PLANT-CLOUD', invoiceNo: '11112222' };
    h.sim.add(TAX, 'input', [added]);
    const gone = ledger(h).find(
      (r) => r.updateTime.startsWith(day) && r.serialNo !== 'PLANT-CLOUD',
    )!.serialNo;
    h.sim.remove(TAX, 'input', gone);
    const res = await h.api('GET', `/sync/reconcile?orgId=hz&type=input&dataDate=${day}`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      missingInPool: ['PLANT-CLOUD'],
      missingInCloud: [gone],
      matched: false,
    });
    expect(res.body.cloudCount).toBe(ledger(h).filter((r) => r.updateTime.startsWith(day)).length);
  });

  it('bad input is a 400/404 naming the field, and creates no run', async () => {
    const cases: [string, string, unknown, number, string][] = [
      ['POST', '/sync', { type: 'foo' }, 400, 'type'],
      ['POST', '/sync', { type: 'input', dataDate: '2024-13-40' }, 400, 'dataDate'],
      [
        'POST',
        '/sync/by-bills',
        { orgId: 'hz', billNos: Array.from({ length: 201 }, (_, i) => `B${i}`) },
        400,
        'billNos',
      ],
      ['POST', '/sync', { type: 'input', orgIds: ['nope'] }, 404, 'orgIds.0'],
      ['POST', '/sync/by-bills', { orgId: 'nope', billNos: ['B1'] }, 404, 'orgId'],
      ['POST', '/sync', '{not json', 400, '(body)'],
    ];
    for (const [method, path, body, status, field] of cases) {
      const res = await h.api(method, path, body);
      expect([res.status, JSON.stringify(res.body)]).toEqual([
        status,
        expect.stringContaining(field),
      ]);
      expect(res.body.error.code).toBeTruthy();
    }
    expect((await h.api('GET', '/sync/runs')).body.items).toEqual([]);
  });
});
