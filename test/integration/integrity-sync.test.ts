/**
 * Data-integrity findings of the sync area (reviews/integrity.md: 1, 7, 8, 11, 15 and the smaller
 * ones):
 * each case asserts the correct behaviour on DynamoDB Local + the simulator.
 */
import { randomBytes } from 'node:crypto';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { startHarness, ORGS, type Harness } from '../support/harness.js';
import { goodsLines, pushInvoices } from '../support/fixtures.js';
import type { CloudInvoice } from '#shared/domain/schemas/cloud.js';
import type { Run } from '#shared/domain/schemas/sync.js';
import { invoiceIdOf } from '#shared/adapters/dynamo/keys.js';
import { CloudError } from '#shared/adapters/cloud/client.js';
import { runSyncStep } from '#shared/use-cases/sync/engine.js';
import { cstDateTime } from '#shared/domain/time/cst.js';

const TAX = ORGS[0]!.taxNo;
const ledger = (h: Harness) => h.sim.org(TAX).ledgers.input;

const runOf = async (h: Harness, runId: string) =>
  (await h.api('GET', `/sync/runs/${runId}`)).body as Run;
const sync = async (h: Harness, body: object): Promise<Run> => {
  const res = await h.api('POST', '/sync', { type: 'input', orgIds: ['hz'], ...body });
  expect(res.status).toBe(202);
  await h.stack.settle();
  return runOf(h, res.body.runs[0].runId as string);
};
const retryJob = async (h: Harness) => {
  await h.api('POST', '/_local/events/sync-retry', { time: new Date().toISOString() });
  await h.stack.settle();
};
const poolSerials = async (h: Harness) =>
  (await h.stack.deps.stores.invoices.serials('hz', 'input')).sort();
const ledgerSerials = (h: Harness) =>
  ledger(h)
    .map((r) => r.serialNo)
    .sort();
const invoice = async (h: Harness, serialNo: string) =>
  (await h.api('GET', `/invoices/${invoiceIdOf('hz', 'input', serialNo)}`, undefined, h.expense))
    .body;
/**
 * A new cloud record; changed a minute ago unless `at` says otherwise (so a catch-up does not re-
 * read it).
 */
const newRecord = (
  base: CloudInvoice,
  i: number,
  patch: Partial<CloudInvoice> = {},
  at = new Date(Date.now() - 60_000),
) => ({
  ...base,
  serialNo: `IN-NEW-${String(i).padStart(6, '0')}`,
  invoiceNo: String(70000000 + i),
  updateTime: cstDateTime(at),
  ...patch,
});

describe('sync integrity (review findings 1, 7, 8, 11, 15)', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.stop();
    h = undefined;
  });

  it('finding 1: an oversized record is stored compressed, read and edited whole', async () => {
    h = await startHarness();
    const big = newRecord(ledger(h)[0]!, 1, { items: goodsLines(4000, () => '六角螺栓 高强度') });
    h.sim.add(TAX, 'input', [big]);

    const run = await sync(h, {});

    expect(run).toMatchObject({ status: 'succeeded', successCount: ledger(h).length, failed: 0 });
    expect(await poolSerials(h)).toEqual(ledgerSerials(h));
    expect((await invoice(h, big.serialNo)).items).toHaveLength(4000);
    const patch = await h.api(
      'PATCH',
      `/invoices/${invoiceIdOf('hz', 'input', big.serialNo)}`,
      { buyerName: '本地修改有限公司' },
      h.expense,
    );
    expect(patch.status).toBe(200);
    const edited = await invoice(h, big.serialNo);
    expect(edited).toMatchObject({ modified: true, buyerName: '本地修改有限公司' });
    expect(edited.items).toHaveLength(4000);
  });

  it('finding 1: an unstorable record is counted failed by serial; the run goes on', async () => {
    h = await startHarness();
    // Incompressible: random text, one line (under the size pre-check), then thousands of lines.
    const huge1 = newRecord(ledger(h)[0]!, 1, {
      items: goodsLines(1, () => randomBytes(330_000).toString('base64')),
    });
    const huge2 = newRecord(ledger(h)[0]!, 2, {
      items: goodsLines(6000, () => randomBytes(150).toString('base64')),
    });
    h.sim.add(TAX, 'input', [huge1, huge2]);

    const run = await sync(h, {});

    expect(run).toMatchObject({ status: 'succeeded', failed: 2 });
    expect(run.successCount).toBe(ledger(h).length - 2);
    expect(run.message).toContain(huge1.serialNo);
    expect(run.message).toContain(huge2.serialNo);
    const expected = ledgerSerials(h).filter((s) => s !== huge1.serialNo && s !== huge2.serialNo);
    expect(await poolSerials(h)).toEqual(expected);
  });

  it('finding 7: a late push of an older version is skipped as stale', async () => {
    h = await startHarness();
    await sync(h, {});
    const old = ledger(h)[5]!;
    const newer = h.sim.mutate(TAX, 'input', old.serialNo, { expendStatus: 60 });
    await sync(h, {});

    const res = await pushInvoices(h, [old, ledger(h)[6]!]);

    expect(res.status).toBe(200);
    expect(res.body.stored).toBe(1);
    expect(res.body.results[0]).toMatchObject({ serialNo: old.serialNo, status: 'skipped' });
    expect(res.body.results[0].error.message).toMatch(/stale/);
    expect(await invoice(h, old.serialNo)).toMatchObject({
      expendStatus: 60,
      updateTime: newer.updateTime,
    });
  });

  it('a sync never rolls back a pushed version newer than the page it read', async () => {
    h = await startHarness();
    await sync(h, {});
    const target = ledger(h)[7]!;
    // The cloud pushes a newer version than its listing serves (a lagging read replica).
    const pushed = { ...target, expendStatus: 60, updateTime: '2099-01-01 08:00:00' };
    const push = await pushInvoices(h, [pushed]);
    expect(push.body.stored).toBe(1);

    const run = await sync(h, {});

    expect(await invoice(h, target.serialNo)).toMatchObject({
      expendStatus: 60,
      updateTime: pushed.updateTime,
    });
    expect(run).toMatchObject({ status: 'succeeded', skipped: 1 });
    expect(run.successCount).toBe(ledger(h).length - 1);
  });

  it('finding 7: a second run of one org waits, so no stale version lands', async () => {
    h = await startHarness();
    await sync(h, {});
    const target = ledger(h)[30]!;
    const day = target.updateTime.slice(0, 10);
    const list = h.stack.deps.cloud.listInvoices.bind(h.stack.deps.cloud);
    let armed = true;
    let second: string | undefined;
    let holding = 0;
    h.stack.deps.cloud.listInvoices = async (auth, kind, q) => {
      const page = await list(auth, kind, q);
      const holds = page.list.some((r) => (r as CloudInvoice).serialNo === target.serialNo);
      // The first fetch holding the record is the run's total; the second is the page it writes.
      if (!armed || !holds || ++holding < 2) return page;
      armed = false;
      // Between this run's fetch and its write: the cloud changes the record, a second run starts.
      h!.sim.mutate(TAX, 'input', target.serialNo, { expendStatus: 60, invoiceTag: 'v2' });
      const started = await h!.api('POST', '/sync', { type: 'input', orgIds: ['hz'] });
      second = started.body.runs[0].runId as string;
      for (let i = 0; i < 100; i++) {
        const r = await runOf(h!, second);
        if (r.status === 'succeeded' || /waiting/.test(r.message)) break;
        await new Promise((res) => setTimeout(res, 50));
      }
      return page;
    };
    const dayCount = ledger(h).filter((r) => r.updateTime.startsWith(day)).length;

    const first = await sync(h, { dataDate: day });
    await h.stack.settle();

    expect(dayCount).toBeGreaterThan(1);
    expect(armed).toBe(false);
    expect(first.status).toBe('succeeded');
    expect((await runOf(h, second!)).status).toBe('succeeded');
    expect(await invoice(h, target.serialNo)).toMatchObject({
      expendStatus: 60,
      annotation: 'v2',
    });
  });

  it('finding 8: a catch-up resumed after a failure misses nothing changed meanwhile', async () => {
    h = await startHarness({
      orgs: [{ ...ORGS[0]!, input: 40, output: 0 }],
      stack: { pageSize: 10 },
    });
    const base = ledger(h)[0]!;
    const list = h.stack.deps.cloud.listInvoices.bind(h.stack.deps.cloud);
    let added = false;
    let catchupCalls = 0;
    h.stack.deps.cloud.listInvoices = async (auth, kind, q) => {
      if (q.updateTimeStart && ++catchupCalls === 4)
        throw new CloudError('HTTP503', 'invoice cloud answered HTTP 503', true);
      const page = await list(auth, kind, q);
      if (!added) {
        added = true; // created during the main phase: only the catch-up can see them
        const fresh = Array.from({ length: 30 }, (_, i) => newRecord(base, i, {}, new Date()));
        h!.sim.add(TAX, 'input', fresh);
      }
      return page;
    };
    const failed = await sync(h, {});
    expect(failed.status).toBe('failed');
    h.stack.deps.cloud.listInvoices = list;
    // Overnight, unread new records change and move to the end of the window, which was read
    // already.
    const later = new Date(Date.now() + 3600_000);
    for (let i = 0; i < 10; i++)
      h.sim.mutate(TAX, 'input', newRecord(base, i).serialNo, { invoiceTag: 'later' }, later);

    await retryJob(h);

    expect((await runOf(h, failed.runId)).status).toBe('succeeded');
    expect(ledger(h)).toHaveLength(70);
    expect(await poolSerials(h)).toEqual(ledgerSerials(h));
  });

  it('finding 11: a message for a finished run answers done, the run left free', async () => {
    h = await startHarness();
    const run = await sync(h, {});
    const step = (owner: string) =>
      runSyncStep(run.runId, h!.stack.deps, { owner, remainingMs: () => 600_000, reserveMs: 1 });

    const late = await step('late-worker-1');
    const again = await step('late-worker-2');

    expect([late, again]).toEqual(['done', 'done']);
    expect(await runOf(h, run.runId)).toMatchObject({
      status: 'succeeded',
      successCount: run.successCount,
    });
  });

  it('finding 15: a by-bills run whose final update failed counts once', async () => {
    let throttle = false;
    const wrapDb = (db: DynamoDBDocumentClient) =>
      ({
        send: (cmd: { constructor: { name: string }; input: Record<string, any> }) => {
          const values = Object.values(cmd.input.ExpressionAttributeValues ?? {});
          if (
            throttle &&
            cmd.constructor.name === 'UpdateCommand' &&
            values.includes('succeeded')
          ) {
            throttle = false;
            const e = new Error('Rate exceeded');
            e.name = 'ThrottlingException';
            return Promise.reject(e);
          }
          return db.send(cmd as never);
        },
      }) as unknown as DynamoDBDocumentClient;
    h = await startHarness({ stack: { wrapDb } });
    const billNo = ledger(h).find((r) => r.billNo)!.billNo!;
    const onBill = ledger(h).filter((r) => r.billNo === billNo).length;
    throttle = true;
    const res = await h.api('POST', '/sync/by-bills', { orgId: 'hz', billNos: [billNo] });
    await h.stack.settle();
    const runId = res.body.runs[0].runId as string;
    expect((await runOf(h, runId)).status).toBe('failed');

    await retryJob(h);

    expect(await runOf(h, runId)).toMatchObject({
      status: 'succeeded',
      successCount: onBill,
      fetched: onBill,
    });
  });

  it('duplicate serials within one page are stored and counted once', async () => {
    h = await startHarness();
    const r = ledger(h)[0]!;
    const newer = { ...r, expendStatus: 60, updateTime: cstDateTime(new Date()) };

    const res = await pushInvoices(h, [newer, r]);

    expect(res.status).toBe(200);
    expect(res.body.stored).toBe(1);
    expect(res.body.results.map((o: { status: string }) => o.status)).toEqual([
      'stored',
      'skipped',
    ]);
    expect(await invoice(h, r.serialNo)).toMatchObject({ expendStatus: 60 });
  });

  it('lookbackDays must be at least 1: 0 is refused naming the field', async () => {
    h = await startHarness();

    const res = await h.api('PUT', '/config', { lookbackDays: 0 });

    expect(res.status).toBe(400);
    expect(JSON.stringify(res.body)).toContain('lookbackDays');
    expect((await h.api('GET', '/config')).body.lookbackDays).toBeGreaterThanOrEqual(1);
  });
});
