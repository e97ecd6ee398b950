/**
 * Issue 18: a large org's full sync cut into `updateTime` slices that run as their own
 * continuations in parallel and merge into one run. On DynamoDB Local and the simulator over HTTP.
 */
import { ManualClock } from '#local/queue.js';
import { CloudError } from '#shared/adapters/cloud/client.js';
import type { Run } from '#shared/domain/schemas/sync.js';
import { startHarness, ORGS, type Harness } from '../support/harness.js';
import { awsMode, VISIBILITY_MS } from '../support/aws/scenario.js';
import { recordingMetrics, total } from '../support/metrics.js';

const TAX = ORGS[0]!.taxNo;
const INVOICES = 5000;
const BIG_ORG = [{ ...ORGS[0]!, input: INVOICES, output: 0 }];
/** 5,000 invoices over two years, about 700 a slice: 8 slices. */
const SLICED = {
  syncSlicing: { sliceSize: 700, maxSlices: 8 },
  pageSize: 100,
  // About a second of reading per invocation: slices continue themselves; the margin absorbs a
  // loaded machine (an invocation past its budget is a Lambda timeout, redelivered).
  workerBudgetMs: 6000,
  workerReserveMs: 5000,
};
const TIMEOUT = 240_000;

const ledger = (h: Harness) => h.sim.org(TAX).ledgers.input;
const runOf = async (h: Harness, runId: string) =>
  (await h.api('GET', `/sync/runs/${runId}`)).body as Run;
const startFull = async (h: Harness): Promise<string> => {
  const res = await h.api('POST', '/sync', { type: 'input', orgIds: ['hz'] });
  expect(res.status).toBe(202);
  return res.body.runs[0].runId as string;
};

/** Records lost, extra, or whose stored version differs from the cloud's (0 / 0 / 0 wanted). */
const poolVsLedger = async (h: Harness) => {
  const serials = await h.stack.deps.stores.invoices.serials('hz', 'input');
  const want = new Map(ledger(h).map((r) => [r.serialNo, r]));
  const stored = await h.stack.deps.stores.invoices.getCloudMany('hz', 'input', serials);
  const differing = [...want.values()].filter((r) => {
    const got = stored.get(r.serialNo);
    return got && (got.updateTime !== r.updateTime || got.totalAmount !== r.totalAmount);
  });
  return {
    lost: [...want.keys()].filter((s) => !stored.has(s)).length,
    extra: serials.filter((s) => !want.has(s)).length,
    differing: differing.map((r) => r.serialNo),
  };
};

/**
 * Make the cloud's list calls for slice `index`'s window fail (a 503 the client gives up on) while
 * `on()`. The window's start is known once the run is planned (read on the planning call); the
 * answer reads it.
 */
const failSlice = (h: Harness, index: number, on: () => boolean): (() => string | null) => {
  let start: string | null = null;
  const { cloud, stores } = h.stack.deps;
  const real = cloud.listInvoices.bind(cloud);
  cloud.listInvoices = (auth, kind, q) =>
    on() && q.updateTimeStart === start && q.pageSize > 1
      ? Promise.reject(new CloudError('503', 'service unavailable (injected)', true))
      : real(auth, kind, q);
  const plan = stores.runs.planSlices.bind(stores.runs);
  stores.runs.planSlices = async (id, owner, slices, at) => {
    start = slices[index]!.windowStart;
    return plan(id, owner, slices, at);
  };
  return () => start;
};

describe('full sync in time slices (issue 18)', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.stop();
    h = undefined;
  }, TIMEOUT);

  it(
    '5,000 invoices over 2 years in 8 slices: exactly the ledger, counts right, finished once',
    async () => {
      const metrics = recordingMetrics();
      h = await startHarness({ orgs: BIG_ORG, days: 730, stack: { ...SLICED, metrics } });

      const runId = await startFull(h);
      await h.stack.settle();
      const run = await runOf(h, runId);

      expect(await poolVsLedger(h)).toEqual({ lost: 0, extra: 0, differing: [] });
      expect(run).toMatchObject({ status: 'succeeded', slices: 8, slicesDone: 8 });
      expect(run.successCount).toBe(ledger(h).length);
      expect(run.fetched).toBe(ledger(h).length);
      const slices = await h.stack.deps.stores.runs.listSlices(runId);
      expect(slices.reduce((n, x) => n + x.successCount, 0)).toBe(ledger(h).length);
      expect(slices.every((x) => x.state === 'done' && x.successCount > 0)).toBe(true);
      // Slices hand off to continuations of their own (a short worker budget).
      expect(slices.some((x) => x.invocations > 1)).toBe(true);
      expect(total(metrics, 'SyncRuns', 'Outcome', 'succeeded')).toBe(1);
      expect(total(metrics, 'InvoicesSynced', 'Kind', 'input')).toBe(ledger(h).length);
      expect(h.stack.errors).toEqual([]);
    },
    TIMEOUT,
  );

  it(
    'AWS-like queue (duplicates, late redeliveries, failed sends): the same ledger and counts',
    async () => {
      const clock = new ManualClock(Date.parse('2024-07-25T02:00:00.000Z'));
      const metrics = recordingMetrics();
      h = await startHarness({
        orgs: BIG_ORG,
        days: 730,
        stack: {
          ...SLICED,
          metrics,
          clock: clock.date,
          syncQueueAws: awsMode(clock, 'sync', { duplicate: true, redeliver: true }),
        },
      });
      // A slice's first message and a later one are throttled at send: send 1 starts the run, 2–9
      // fan the 8 slices out, so send 10 is always a continuation or the run's hand-back.
      const q = h.stack.queues.sync;
      q.failSend(3);
      q.failSend(10);
      const send = q.send.bind(q);
      let throttled = 0;
      q.send = async (m, o) => {
        try {
          await send(m, o);
        } catch (e) {
          throttled += 1;
          throw e;
        }
      };

      const runId = await startFull(h);
      await h.stack.settle();
      for (let i = 0; i < 12 && (await runOf(h, runId)).status !== 'succeeded'; i++) {
        clock.advance(VISIBILITY_MS.sync);
        await h.stack.settle();
      }
      const run = await runOf(h, runId);

      expect(await poolVsLedger(h)).toEqual({ lost: 0, extra: 0, differing: [] });
      expect(run).toMatchObject({ status: 'succeeded', slices: 8, slicesDone: 8 });
      expect(run.successCount).toBe(ledger(h).length);
      expect(run.fetched).toBe(ledger(h).length);
      expect(total(metrics, 'SyncRuns', 'Outcome', 'succeeded')).toBe(1);
      expect(throttled).toBe(2);
    },
    TIMEOUT,
  );

  it(
    'records changed while the slices read end in their newest version',
    async () => {
      h = await startHarness({ orgs: BIG_ORG, days: 730, stack: SLICED });
      const picks = [0, 1000, 2500, 4000, INVOICES - 1].map((i) => ledger(h!)[i]!.serialNo);
      const { cloud } = h.stack.deps;
      const real = cloud.listInvoices.bind(cloud);
      let calls = 0;
      cloud.listInvoices = async (auth, kind, q) => {
        const page = await real(auth, kind, q);
        // Mid-run (slices reading): the cloud changes records in every part of the ledger.
        if (++calls === 30)
          for (const s of picks) h!.sim.mutate(TAX, 'input', s, { invoiceTag: `changed ${s}` });
        return page;
      };

      const runId = await startFull(h);
      await h.stack.settle();
      const run = await runOf(h, runId);

      expect(calls).toBeGreaterThan(30);
      expect(run).toMatchObject({ status: 'succeeded', slices: 8 });
      expect(await poolVsLedger(h)).toEqual({ lost: 0, extra: 0, differing: [] });
      const stored = await h.stack.deps.stores.invoices.getCloudMany('hz', 'input', picks);
      expect(picks.map((s) => stored.get(s)?.annotation)).toEqual(picks.map((s) => `changed ${s}`));
    },
    TIMEOUT,
  );

  it(
    'a failing slice: the run fails naming it, needs_manual after 3 retries; a re-run completes',
    async () => {
      h = await startHarness({ orgs: BIG_ORG, days: 730, stack: SLICED });
      let broken = true;
      let runId = '';
      const third = async () => (await h!.stack.deps.stores.runs.listSlices(runId))[2]!;
      const start = failSlice(h, 2, () => broken);

      runId = await startFull(h);
      await h.stack.settle();
      const first = await runOf(h, runId);
      expect(first.status).toBe('failed');
      expect(first.message).toContain(`time slices 3 (${start()} – `);
      expect((await third()).state).toBe('failed');
      expect(first.slicesDone).toBe(7);
      for (let i = 1; i <= 3; i++) {
        const time = new Date(Date.now() + i * 60_000).toISOString();
        await h.api('POST', '/_local/events/sync-retry', { time });
        await h.stack.settle();
      }
      const manual = await runOf(h, runId);
      expect(manual.status).toBe('needs_manual');
      expect(manual.message).toContain('time slices 3 (');
      expect(manual.attemptCount).toBe(4);

      broken = false;
      const rerunId = await startFull(h);
      await h.stack.settle();
      const rerun = await runOf(h, rerunId);
      expect(rerun.status).toBe('succeeded');
      expect(await poolVsLedger(h)).toEqual({ lost: 0, extra: 0, differing: [] });
      // The success clears the needs_manual run of the same org, type and date.
      expect((await runOf(h, runId)).status).toBe('succeeded');
    },
    TIMEOUT,
  );

  it(
    'a retry after a slice failed reads only that slice on and succeeds with exact counts',
    async () => {
      h = await startHarness({ orgs: BIG_ORG, days: 730, stack: SLICED });
      let broken = true;
      failSlice(h, 5, () => broken);
      const runs = h.stack.deps.stores.runs;
      const runId = await startFull(h);
      await h.stack.settle();
      expect((await runOf(h, runId)).status).toBe('failed');
      const before = await runs.listSlices(runId);

      broken = false;
      await h.api('POST', '/_local/events/sync-retry', { time: new Date().toISOString() });
      await h.stack.settle();
      const run = await runOf(h, runId);
      const after = await runs.listSlices(runId);

      expect(run).toMatchObject({ status: 'succeeded', attemptCount: 2, slicesDone: 8 });
      expect(run.successCount).toBe(ledger(h).length);
      expect(await poolVsLedger(h)).toEqual({ lost: 0, extra: 0, differing: [] });
      // Only the failed slice was invoked again.
      const invoked = after.filter((x, i) => x.invocations !== before[i]!.invocations);
      expect(invoked.map((x) => x.slice)).toEqual([5]);
    },
    TIMEOUT,
  );

  it('a small org keeps the single-stream path (below the slice size)', async () => {
    h = await startHarness({ stack: { syncSlicing: { sliceSize: 1000, maxSlices: 8 } } });
    const runId = await startFull(h);
    await h.stack.settle();
    const run = await runOf(h, runId);
    expect(run.status).toBe('succeeded');
    expect(run.slices).toBeUndefined();
    expect(await h.stack.deps.stores.runs.listSlices(runId)).toEqual([]);
    expect(await poolVsLedger(h)).toEqual({ lost: 0, extra: 0, differing: [] });
  });
});
