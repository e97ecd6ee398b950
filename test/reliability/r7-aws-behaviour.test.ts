/**
 * R7 what AWS does and the local stack does not (issue 12): every SQS message type delivered twice
 * at once and again after its queue's real visibility timeout (on a manual clock); GSIs lagging
 * behind writes during a sync with folders, write-back and callbacks; a send failing between a
 * write and its enqueue; an oversized record inside a large sync. Each outcome is compared with
 * what one clean delivery gives.
 */
import { randomBytes } from 'node:crypto';
import { ManualClock } from '#local/queue.js';
import { startReceiver, type Receiver } from '#simulator/receiver.js';
import type { CloudInvoice } from '#shared/domain/schemas/cloud.js';
import { invoiceIdOf } from '#shared/adapters/dynamo/keys.js';
import { cstDateTime } from '#shared/domain/time/cst.js';
import { FULL, figure } from '../support/figures.js';
import { ORGS, startHarness, type Harness } from '../support/harness.js';
import { goodsLines, pushResult as result } from '../support/fixtures.js';
import { gsiLag } from '../support/aws/gsi-lag.js';
import {
  VISIBILITY_MS,
  awsMode,
  billSteps,
  byWebhookId,
  diff,
  referenceStack,
  snapshot,
} from '../support/aws/scenario.js';

const INVOICES = FULL ? 20_000 : 1_000;
const PAGE = FULL ? 500 : 100;
const BILLS = FULL ? 60 : 10;
const ORDERS = FULL ? 60 : 10;
const ORG = { ...ORGS[0]!, input: INVOICES, output: FULL ? 400 : 40 };
const HZ = { orgId: 'hz', ...ORG };
const [P1, P2] = ORG.phones as [string, string];
const tick = () => new Promise((r) => setTimeout(r, 30));
/** Jest's limit per scenario (full size: long). */
const TIMEOUT = FULL ? 3_600_000 : 180_000;
// 600 ms of work per invocation: several hand-offs per run, and progress even on a loaded machine.
const SHORT_WORKER = { workerBudgetMs: 3000, workerReserveMs: 2400, pageSize: PAGE };
// 100 ms per invocation: a hand-off (and so a continuation send) before the run can finish.
const TINY_WORKER = { workerBudgetMs: 3000, workerReserveMs: 2900, pageSize: PAGE };

/** Anything with the harness's `api` (the harness, the reference product). */
type Api = Pick<Harness, 'api'>;
const ledger = (h: Harness, kind: 'input' | 'output' = 'input') =>
  h.sim.org(ORG.taxNo).ledgers[kind];
const runOf = async (t: Api, runId: string) => (await t.api('GET', `/sync/runs/${runId}`)).body;
/** Folders on for two users holding the org's phones. */
const folders = async (t: Api) => {
  for (const [userId, phone] of [
    ['u1', P1],
    ['u2', P2],
  ] as const)
    expect(
      (await t.api('PUT', `/users/${userId}`, { name: '张伟', phone, orgIds: ['hz'] })).status,
    ).toBeLessThan(300);
  await t.api('PUT', '/config', { personalFolderSync: true });
};
const startSync = async (t: Api, type: 'input' | 'output' = 'input') => {
  const res = await t.api('POST', '/sync', { type, orgIds: ['hz'] });
  expect(res.status).toBe(202);
  return res.body.runs[0].runId as string;
};
/** Move the manual clock `ms` ahead in `steps` and let every queue run what became visible. */
const advance = async (h: Harness, clock: ManualClock, ms: number, steps = 1) => {
  for (let i = 0; i < steps; i++) {
    clock.advance(ms / steps);
    await tick();
    await h.stack.settle();
  }
};
/** Per bill: saved(a,b) → saved(a,b,c) status 30 → unbound b → (odd bills) deleted. */
const billPlans = (h: Harness) => {
  const s = ledger(h).map((r) => r.serialNo);
  return Array.from({ length: BILLS }, (_, i) => {
    const [a, b, c] = [0, 1, 2].map((k) => s[(i * 3 + k) % s.length]!);
    const base = { billId: `R7-${i}`, billNo: `BX-R7-${i}`, orgId: 'hz', userId: 'u' };
    const events = [
      { ...base, type: 'saved', billStatus: 'submitted', dataSource: 'EXPENSE', serialNos: [a, b] },
      {
        ...base,
        type: 'saved',
        billStatus: 'approved',
        dataSource: 'EXPENSE',
        serialNos: [a, b, c],
      },
      {
        ...base,
        type: 'invoiceUnbound',
        billStatus: 'approved',
        dataSource: 'EXPENSE',
        serialNos: [b],
      },
      ...(i % 2
        ? [
            {
              ...base,
              type: 'deleted',
              billStatus: 'discarded',
              dataSource: 'EXPENSE',
              serialNos: [],
            },
          ]
        : []),
    ];
    // The release rule: invoices leaving a bill go back to use status 1 while still on it.
    const STEPS: Record<string, string[]> = {
      saved: ['save', 'status'],
      invoiceUnbound: ['status', 'save'],
      deleted: ['status', 'delete'],
    };
    const steps = events.flatMap((e) => STEPS[e.type]!);
    return { billId: base.billId, events, steps, serialNos: i % 2 ? null : [a, c] };
  });
};
type Plan = ReturnType<typeof billPlans>[number];
/** Bills whose effective cloud calls or final cloud state differ from one delivery of the plan. */
const wrongBills = (h: Harness, plans: Plan[]) =>
  plans
    .filter(
      (p) =>
        JSON.stringify(billSteps(h, p.billId)) !== JSON.stringify(p.steps) ||
        JSON.stringify(h.sim.bill(ORG.taxNo, p.billId)?.serialNos ?? null) !==
          JSON.stringify(p.serialNos),
    )
    .map((p) => p.billId);
const callbackLogs = async (h: Harness) =>
  (await h.api('GET', '/interaction-logs?operationType=BLUE_RESULT_CALLBACK&limit=200')).body
    .items as { logId: string; dataStatus: string; attempts: { trigger: string }[] }[];
const newRecord = (base: CloudInvoice, i: number, items: CloudInvoice['items']) => ({
  ...base,
  serialNo: `IN-BIG-${String(i).padStart(6, '0')}`,
  invoiceNo: String(71000000 + i),
  updateTime: cstDateTime(new Date(Date.now() - 60_000)),
  items,
});

describe(`R7 AWS behaviour (${INVOICES} invoices, ${BILLS} bills, ${ORDERS} orders)`, () => {
  let h: Harness | undefined;
  let rcv: Receiver | undefined;
  afterEach(async () => {
    await h?.stop();
    await rcv?.stop();
    h = rcv = undefined;
  }, TIMEOUT);

  it(
    'sync messages twice at once and again after 90 min: the pool and counters of one delivery',
    async () => {
      // Arrange: the reference (one delivery per message), then the same sync on an AWS-like queue
      const clock = new ManualClock(Date.now());
      h = await startHarness({
        orgs: [ORG],
        stack: {
          ...SHORT_WORKER,
          clock: clock.date,
          syncQueueAws: awsMode(clock, 'sync', { duplicate: true, redeliver: true }),
        },
      });
      const ref = await referenceStack(h, HZ, SHORT_WORKER);
      await folders(ref);
      const refRun = await runOf(ref, await startSync(ref));
      await ref.stack.settle();
      const refDone = await runOf(ref, refRun.runId);
      await folders(h);

      // Act: every message (the start and each continuation) twice at once; then the clock passes
      // the 90-minute visibility timeout and every processed message comes back once
      const runId = await startSync(h);
      await tick();
      await h.stack.settle();
      const sends = h.stack.queues.sync.depth;
      await advance(h, clock, VISIBILITY_MS.sync);
      const run = await runOf(h, runId);

      // Assert
      const pool = diff(
        await snapshot(ref.stack.tables.invoices),
        await snapshot(h.stack.tables.invoices),
      );
      const links = diff(
        await snapshot(ref.stack.tables.links),
        await snapshot(h.stack.tables.links),
      );
      const counters = (r: any) => [
        r.status,
        r.successCount,
        r.fetched,
        r.failed,
        r.pages,
        r.folder,
      ];
      const redelivered = `${sends} redelivered after ${VISIBILITY_MS.sync / 60_000} min`;
      const tables = `pool ${JSON.stringify(pool)}, links ${JSON.stringify(links)}`;
      const progress = [
        `successCount ${run.successCount}/${refDone.successCount}`,
        `pages ${run.pages}/${refDone.pages}`,
      ].join(', ');
      const handlerErrors = ref.stack.errors.length + h.stack.errors.length;
      const outcome = `${tables}; ${progress}; ${handlerErrors} handler errors`;
      figure(`R7 sync: ${run.invocations} invocations (${redelivered}) → ${outcome}`);
      expect(refDone.status).toBe('succeeded');
      expect(sends).toBeGreaterThan(1);
      expect(counters(run)).toEqual(counters(refDone));
      expect(pool).toEqual({ lost: 0, extra: 0, differing: 0 });
      expect(links).toEqual({ lost: 0, extra: 0, differing: 0 });
      ref.stack.close();
    },
    TIMEOUT,
  );

  it(
    'write-back events twice at once and again after 6 min: one cloud call per bill step',
    async () => {
      // Arrange
      const clock = new ManualClock(Date.now());
      h = await startHarness({
        orgs: [ORG],
        stack: {
          clock: clock.date,
          writebackQueueAws: awsMode(clock, 'writeback', { duplicate: true, redeliver: true }),
        },
      });
      await startSync(h);
      await h.stack.settle();
      await h.api('PUT', '/config', { writeback: true });
      const plans = billPlans(h);

      // Act: the events of all bills through the API, interleaved bill by bill
      for (let k = 0; k < 4; k++)
        for (const p of plans.filter((x) => x.events[k]))
          expect((await h.api('POST', '/bills/events', p.events[k], h.expense)).status).toBe(202);
      await tick();
      await h.stack.settle();
      for (let i = 0; i < 8 && h.stack.queues.writeback.depth > 0; i++)
        await advance(h, clock, VISIBILITY_MS.writeback);

      // Assert
      const calls = plans.reduce((n, p) => n + billSteps(h!, p.billId).length, 0);
      const wrong = wrongBills(h, plans);
      const dead = h.stack.queues.writeback.dead.length;
      const eventCount = plans.reduce((n, p) => n + p.events.length, 0);
      const stepCount = plans.reduce((n, p) => n + p.steps.length, 0);
      const deliveries = `(2 at once + 1 after ${VISIBILITY_MS.writeback / 60_000} min)`;
      const effective = `${calls}/${stepCount} effective calls`;
      const outcome = `${effective}, ${wrong.length} bills wrong, ${dead} dead`;
      figure(`R7 write-back: ${eventCount} events × ${deliveries} → ${outcome}`);
      expect(wrong).toEqual([]);
      expect(dead).toBe(0);
      expect(h.stack.queues.writeback.depth).toBe(0);
    },
    TIMEOUT,
  );

  it(
    'callback messages twice at once and again after 6 min: one delivery per attempt',
    async () => {
      // Arrange: half the callbacks fail once, so retry hops travel as messages too
      const clock = new ManualClock(Date.now());
      rcv = await startReceiver();
      h = await startHarness({
        orgs: [ORG],
        stack: {
          clock: clock.date,
          callbackRetryDelays: [1, 1, 1, 1, 1, 1],
          callbackTimeoutMs: 500,
          callbackQueueAws: awsMode(clock, 'callbacks', { duplicate: true, redeliver: true }),
        },
      });
      expect(
        (
          await h.api('PUT', '/systems/erp', {
            name: 'ERP',
            orgId: 'hz',
            callbackUrl: `${rcv.url}/hooks`,
          })
        ).status,
      ).toBe(201);
      const orders = Array.from({ length: ORDERS }, (_, i) => `ORD-R7-${i}`);
      for (const o of orders)
        await h.api('POST', '/billing/orders', { systemId: 'erp', orderNo: o }, h.expense);
      rcv.failNext(...orders.slice(0, ORDERS / 2).map(() => 500));

      // Act
      for (const o of orders) expect((await result(h, o)).status).toBe(200);
      await tick();
      await h.stack.settle();
      await advance(h, clock, 20_000, 10); // the 1 s retry hops
      await advance(h, clock, VISIBILITY_MS.callbacks); // every processed message comes back

      // Assert: per webhook id exactly one 200, and one delivery per recorded attempt
      const logs = await callbackLogs(h);
      const hooks = byWebhookId(rcv.received);
      const attempts = logs.reduce((n, l) => n + l.attempts.length, 0);
      const extra = [...hooks.values()].filter((s) => s.filter((x) => x === 200).length !== 1);
      const input = `${ORDERS} results, ${ORDERS / 2} failing once`;
      const redelivery = `twice at once + once after ${VISIBILITY_MS.callbacks / 60_000} min`;
      const delivered = `${rcv.received.length} deliveries for ${attempts} attempts`;
      const ids = `${hooks.size} webhook ids, ${extra.length} not delivered exactly once`;
      figure(`R7 callbacks: ${input}, every message ${redelivery} → ${delivered}, ${ids}`);
      expect(logs.map((l) => l.dataStatus)).toEqual(orders.map(() => 'SUCCEEDED'));
      expect(hooks.size).toBe(ORDERS);
      expect(extra).toEqual([]);
      expect(rcv.received).toHaveLength(attempts);
      expect(rcv.received.filter((r) => r.status === 500)).toHaveLength(ORDERS / 2);
    },
    TIMEOUT,
  );

  it(
    'GSI lag during a sync with folders, write-back and callbacks: nothing unbound, nothing lost',
    async () => {
      // Arrange: orders placed before (their index caught up), then every write lags 60 s
      const lag = gsiLag({ lagMs: 60_000 });
      rcv = await startReceiver();
      h = await startHarness({ orgs: [ORG], stack: { wrapDb: lag.wrap, pageSize: PAGE } });
      await h.api('PUT', '/systems/erp', {
        name: 'ERP',
        orgId: 'hz',
        callbackUrl: `${rcv.url}/hooks`,
      });
      const blues = ledger(h, 'output')
        .filter((r) => r.invoiceStatus === 0 && r.orderNo)
        .slice(0, ORDERS);
      const pushed = Array.from({ length: ORDERS }, (_, i) => `ORD-LAG-${i}`);
      for (const o of [...blues.map((b) => b.orderNo!), ...pushed])
        await h.api('POST', '/billing/orders', { systemId: 'erp', orderNo: o }, h.expense);
      await folders(h);
      lag.catchUp();

      // Act
      const input = await startSync(h);
      const output = await startSync(h, 'output');
      await h.stack.settle();
      await h.api('PUT', '/config', { writeback: true });
      const plans = billPlans(h);
      for (let k = 0; k < 4; k++)
        for (const p of plans.filter((x) => x.events[k]))
          await h.api('POST', '/bills/events', p.events[k], h.expense);
      for (const o of pushed) await result(h, o);
      await h.stack.settle();
      const hidden = lag.hidden;
      lag.catchUp();

      // Assert
      const runs = [await runOf(h, input), await runOf(h, output)];
      const pool = (await h.stack.deps.stores.invoices.serials('hz', 'input')).sort();
      const want = ledger(h)
        .map((r) => r.serialNo)
        .sort();
      const linked = ledger(h).filter((r) => r.invoiceFiles.length && r.users.length);
      const userOf: Record<string, string> = { [P1]: 'u1', [P2]: 'u2' };
      const unbound: string[] = [];
      for (const r of linked) {
        const id = invoiceIdOf('hz', 'input', r.serialNo);
        const inv = (await h.api('GET', `/invoices/${id}`, undefined, h.expense)).body;
        if (inv.attachments.some((a: any) => a.userId !== userOf[r.users[0]!.phone]))
          unbound.push(r.serialNo);
      }
      const hooks = byWebhookId(rcv.received);
      const wrong = wrongBills(h, plans);
      const notBound = `${unbound.length}/${linked.length} linked invoices with an attachment`;
      const outcomes = [
        `${pool.length}/${want.length} pooled`,
        `${notBound} not bound to its first user`,
        `${wrong.length}/${BILLS} bills wrong`,
        `${hooks.size}/${blues.length + pushed.length} callbacks`,
      ].join(', ');
      figure(`R7 GSI lag: ${hidden} index reads hid a fresh item; ${outcomes}`);
      expect(runs.map((r) => r.status)).toEqual(['succeeded', 'succeeded']);
      expect(pool).toEqual(want);
      expect(unbound).toEqual([]);
      expect(runs[0].folder.bound).toBe(linked.reduce((n, r) => n + r.invoiceFiles.length, 0));
      expect(wrong).toEqual([]);
      expect(hooks.size).toBe(blues.length + pushed.length);
      expect([...hooks.values()].every((s) => s.length === 1)).toBe(true);
    },
    TIMEOUT,
  );

  it(
    'a continuation send fails after its checkpoint: SQS redelivery after 90 min resumes the run',
    async () => {
      // Arrange
      const clock = new ManualClock(Date.now());
      h = await startHarness({
        orgs: [ORG],
        stack: { ...TINY_WORKER, clock: clock.date, syncQueueAws: awsMode(clock, 'sync') },
      });
      h.stack.queues.sync.failSend(2); // send 1 = POST /sync, send 2 = the first continuation

      // Act
      const runId = await startSync(h);
      await tick();
      await h.stack.settle();
      const stuck = await runOf(h, runId);
      await advance(h, clock, VISIBILITY_MS.sync);
      const run = await runOf(h, runId);

      // Assert
      const pool = await h.stack.deps.stores.invoices.serials('hz', 'input');
      const before = `before the redelivery ${stuck.status} after ${stuck.pages} pages`;
      const pooled = `${pool.length}/${ledger(h).length} pooled`;
      const after = `after ${VISIBILITY_MS.sync / 60_000} min ${run.status}, ${pooled}`;
      figure(`R7 continuation send failed: ${before}; ${after}, successCount ${run.successCount}`);
      expect(stuck.status).not.toBe('succeeded');
      expect(run).toMatchObject({ status: 'succeeded', successCount: ledger(h).length });
      expect(pool.sort()).toEqual(
        ledger(h)
          .map((r) => r.serialNo)
          .sort(),
      );
    },
    TIMEOUT,
  );

  const enqueueFailed =
    'a write-back enqueue fails in the API: 5xx, nothing accepted; ' +
    'the caller re-sends, once applied';
  it(
    enqueueFailed,
    async () => {
      // Arrange
      const clock = new ManualClock(Date.now());
      h = await startHarness({
        orgs: [ORG],
        stack: { clock: clock.date, writebackQueueAws: awsMode(clock, 'writeback') },
      });
      await startSync(h);
      await h.stack.settle();
      await h.api('PUT', '/config', { writeback: true });
      const plans = billPlans(h);
      const q = h.stack.queues.writeback;

      // Act: every third enqueue throws; the caller sends a refused event again
      let refused = 0;
      for (let k = 0, n = 0; k < 4; k++)
        for (const p of plans.filter((x) => x.events[k])) {
          if (++n % 3 === 0) q.failSend(n + refused);
          let res = await h.api('POST', '/bills/events', p.events[k], h.expense);
          if (res.status >= 500) {
            refused++;
            expect(res.body.error.code).toBeDefined();
            res = await h.api('POST', '/bills/events', p.events[k], h.expense);
          }
          expect(res.status).toBe(202);
        }
      await tick();
      await h.stack.settle();

      // Assert
      const wrong = wrongBills(h, plans);
      const resent = `${refused} events refused with a 5xx and re-sent by the caller`;
      figure(`R7 write-back enqueue failed: ${resent} → ${wrong.length}/${BILLS} bills wrong`);
      expect(refused).toBeGreaterThan(0);
      expect(wrong).toEqual([]);
    },
    TIMEOUT,
  );

  it(
    'a callback enqueue fails after its log: the cloud re-push or the sweep delivers it, once',
    async () => {
      // Arrange
      const clock = new ManualClock(Date.now());
      rcv = await startReceiver();
      h = await startHarness({
        orgs: [ORG],
        stack: {
          clock: clock.date,
          callbackRetryDelays: [1, 1, 1, 1, 1, 1],
          callbackQueueAws: awsMode(clock, 'callbacks'),
        },
      });
      await h.api('PUT', '/systems/erp', {
        name: 'ERP',
        orgId: 'hz',
        callbackUrl: `${rcv.url}/hooks`,
      });
      const orders = Array.from({ length: ORDERS }, (_, i) => `ORD-SEND-${i}`);
      for (const o of orders)
        await h.api('POST', '/billing/orders', { systemId: 'erp', orderNo: o }, h.expense);

      // Act: every second result's enqueue throws; the cloud pushes half of those again, the
      // scheduled sweep finds the rest once overdue
      const failed = orders.filter((_, i) => i % 2 === 0);
      for (const [i, o] of orders.entries()) {
        if (i % 2 === 0) h.stack.queues.callbacks.failSend(i + 1);
        await result(h, o);
      }
      await tick();
      await h.stack.settle();
      const rePushed = failed.filter((_, i) => i % 2 === 0);
      for (const o of rePushed) expect((await result(h, o)).status).toBe(200);
      await tick();
      await h.stack.settle();
      const beforeSweep = rcv.received.length;
      clock.advance(16 * 60_000);
      const sweep = (await h.stack.invoke('callback-sender', {
        source: 'aws.events',
        'detail-type': 'Scheduled Event',
        time: clock.date().toISOString(),
      })) as { requeued: number };
      await advance(h, clock, 10_000, 5);

      // Assert
      const hooks = byWebhookId(rcv.received);
      const logs = await callbackLogs(h);
      const rePush = `${rePushed.length} recovered by the cloud re-push`;
      const recovered = `${rePush}, ${sweep.requeued} by the sweep`;
      const delivered = `${hooks.size} webhook ids delivered, ${rcv.received.length} deliveries`;
      const lost = `${failed.length} of ${ORDERS} results`;
      figure(`R7 callback enqueue failed: ${lost} → ${recovered}; ${delivered}`);
      expect(beforeSweep).toBe(ORDERS - failed.length + rePushed.length);
      expect(sweep.requeued).toBe(failed.length - rePushed.length);
      expect(logs.map((l) => l.dataStatus)).toEqual(orders.map(() => 'SUCCEEDED'));
      expect(hooks.size).toBe(ORDERS);
      expect([...hooks.values()].every((s) => s.length === 1)).toBe(true);
    },
    TIMEOUT,
  );

  const oversizedRecord =
    'an oversized record in a large sync: ' +
    'stored compressed, an unstorable one counted failed by serial';
  it(
    oversizedRecord,
    async () => {
      // Arrange: one compressible record of 4,000 goods lines, one incompressible of 6,000
      h = await startHarness({ orgs: [ORG], stack: { pageSize: PAGE } });
      const base = ledger(h)[0]!;
      const big = newRecord(
        base,
        1,
        goodsLines(4000, () => '六角螺栓 高强度'),
      );
      const huge = newRecord(
        base,
        2,
        goodsLines(6000, () => randomBytes(150).toString('base64')),
      );
      h.sim.add(ORG.taxNo, 'input', [big, huge]);

      // Act
      const run = await runOf(
        h,
        await startSync(h).then(async (id) => {
          await h!.stack.settle();
          return id;
        }),
      );

      // Assert
      const pool = (await h.stack.deps.stores.invoices.serials('hz', 'input')).sort();
      const others = ledger(h)
        .map((r) => r.serialNo)
        .filter((s) => s !== huge.serialNo)
        .sort();
      const stored = await h.api(
        'GET',
        `/invoices/${invoiceIdOf('hz', 'input', big.serialNo)}`,
        undefined,
        h.expense,
      );
      const named = run.message.includes(huge.serialNo) ? 'named' : 'not named';
      const outcome = `${run.status}, ${run.successCount} stored, ${run.failed} failed (${named})`;
      const readBack = `the 4,000-line record read back with ${stored.body.items?.length} lines`;
      figure(`R7 oversized: ${ledger(h).length} records → ${outcome}; ${readBack}`);
      expect(run).toMatchObject({ status: 'succeeded', failed: 1, successCount: others.length });
      expect(run.message).toContain(huge.serialNo);
      expect(pool).toEqual(others);
      expect(stored.body.items).toHaveLength(4000);
    },
    TIMEOUT,
  );
});
