/**
 * Integrity review, callbacks area: retries that survive duplicated and redelivered messages (2), a
 * result whose enqueue failed (3), one result learned twice (6), time-zone offsets in log filters
 * (14), attempts as their own items, and push by condition checking what it sends.
 */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { startReceiver, type Receiver } from '#simulator/receiver.js';
import { ManualClock, type AwsLikeMode } from '#local/queue.js';
import { localClientConfig } from '#local/dynamo-local.js';
import { createDocClient } from '#shared/adapters/dynamo/dynamo.js';
import { startHarness, ORGS, type Harness } from '../support/harness.js';
import { pushResult } from '../support/fixtures.js';

const TAX = ORGS[0]!.taxNo;
const VISIBILITY_MS = 360_000; // the callback queue's: 6 × the sender's 60 s timeout
const tick = () => new Promise((r) => setTimeout(r, 30));

describe('integrity: callbacks', () => {
  let h: Harness;
  let rcv: Receiver;
  let clock: ManualClock | undefined;

  const start = async (aws?: Omit<AwsLikeMode, 'clock' | 'visibilityTimeoutMs'>) => {
    clock = aws ? new ManualClock(Date.now()) : undefined;
    h = await startHarness({
      stack: {
        callbackRetryDelays: [1, 1, 1, 1, 1, 1],
        callbackTimeoutMs: 500,
        ...(clock
          ? {
              clock: clock.date,
              callbackQueueAws: { clock, visibilityTimeoutMs: VISIBILITY_MS, ...aws },
            }
          : {}),
      },
    });
    const reg = await h.api('PUT', '/systems/erp', {
      orgId: 'hz',
      name: 'ERP',
      callbackUrl: `${rcv.url}/hooks`,
    });
    expect(reg.status).toBe(201);
  };
  const idle = async () => {
    await tick();
    await h.stack.queues.callbacks.drain();
  };
  /** Move the manual clock in steps until `pred` holds (or the steps run out). */
  const advanceUntil = async (pred: () => Promise<boolean>, stepMs = 2000, steps = 60) => {
    for (let i = 0; i < steps && !(await pred()); i++) {
      clock!.advance(stepMs);
      await idle();
    }
  };
  const log = async (logId: string) =>
    (await h.api('GET', `/interaction-logs?limit=200`)).body.items.find(
      (l: any) => l.logId === logId,
    );
  const order = async (orderNo: string) =>
    (await h.api('POST', '/billing/orders', { systemId: 'erp', orderNo }, h.expense)).body
      .logId as string;
  const result = (orderNo: string, extra: object = {}) => pushResult(h, orderNo, extra);

  beforeEach(async () => {
    rcv = await startReceiver();
  });
  afterEach(async () => {
    clock?.advance(24 * 3600_000);
    await h.stop();
    await rcv.stop();
  });

  it('D1: the first hop send throws → the redelivery re-sends it → delivered', async () => {
    await start({});
    await order('ORD-D1');
    rcv.failNext(500);
    h.stack.queues.callbacks.failSend(2); // send 1 = the result's enqueue, send 2 = the retry hop

    const res = await result('ORD-D1');
    await idle();
    clock!.advance(VISIBILITY_MS);
    await idle();
    await advanceUntil(async () => (await log(res.body.logId)).dataStatus === 'SUCCEEDED');

    const l = await log(res.body.logId);
    expect(l.dataStatus).toBe('SUCCEEDED');
    expect(l.attempts.map((a: any) => [a.status, a.trigger])).toEqual([
      [500, 'automatic'],
      [200, 'automatic'],
    ]);
    expect(rcv.received).toHaveLength(2);
  });

  it('D2: each message twice at once → 1 delivery per attempt, 7 attempts, SUCCEEDED', async () => {
    await start({ duplicate: () => true });
    await order('ORD-D2');
    rcv.failNext(500, 500, 500, 500, 500, 500);

    const res = await result('ORD-D2');
    await idle();
    await advanceUntil(async () => (await log(res.body.logId)).dataStatus === 'SUCCEEDED');

    const l = await log(res.body.logId);
    expect(l.dataStatus).toBe('SUCCEEDED');
    expect(l.attempts.filter((a: any) => a.trigger === 'automatic')).toHaveLength(7);
    expect(rcv.received.map((r) => r.status)).toEqual([500, 500, 500, 500, 500, 500, 200]);
    expect(new Set(rcv.received.map((r) => r.headers['webhook-id'])).size).toBe(1);
  });

  it('E: first SendMessage throws, the cloud pushes again → exactly one delivery', async () => {
    await start({});
    await order('ORD-E');
    h.stack.queues.callbacks.failSend(1);

    const first = await result('ORD-E');
    const second = await result('ORD-E');
    await idle();
    await advanceUntil(async () => rcv.received.length > 0, 2000, 5);
    await result('ORD-E');
    await advanceUntil(async () => false, 2000, 3);

    expect(first.status).toBeGreaterThanOrEqual(500);
    expect(second.status).toBe(200);
    expect(rcv.received).toHaveLength(1);
    expect((await log(second.body.logId)).dataStatus).toBe('SUCCEEDED');
  });

  it('sweep: a result whose enqueue failed is re-queued once overdue', async () => {
    await start({});
    await order('ORD-SWEEP');
    h.stack.queues.callbacks.failSend(1);
    const first = await result('ORD-SWEEP');
    const sweep = () =>
      h.stack.invoke('callback-sender', {
        source: 'aws.events',
        'detail-type': 'Scheduled Event',
        time: clock!.date().toISOString(),
      });

    const early = await sweep();
    clock!.advance(16 * 60_000);
    const late = await sweep();
    await idle();

    expect(first.status).toBeGreaterThanOrEqual(500);
    expect([early, late]).toEqual([{ requeued: 0 }, { requeued: 1 }]);
    expect(rcv.received).toHaveLength(1);
  });

  it('F: pushed without serialNo, then synced from output → one log, one callback', async () => {
    await start();
    const blue = h.sim.org(TAX).ledgers.output.find((r) => r.invoiceStatus === 0)!;
    await order(blue.orderNo!);

    const pushed = await result(blue.orderNo!, { serialNo: null, invoiceNo: blue.invoiceNo });
    await h.stack.settle();
    await h.api('POST', '/sync', { type: 'output', orgIds: ['hz'] });
    await h.stack.settle();

    expect(pushed.status).toBe(200);
    const logs = (
      await h.api(
        'GET',
        `/interaction-logs?orderNo=${blue.orderNo}&operationType=BLUE_RESULT_CALLBACK`,
      )
    ).body.items;
    expect(logs.map((l: any) => l.logId)).toEqual([pushed.body.logId]);
    expect(rcv.received).toHaveLength(1);
  });

  it('M: from/to with a +08:00 offset select the same logs as the UTC instant', async () => {
    await start();
    const logId = await order('ORD-M');
    const createdAt: string = (await log(logId)).createdAt;
    const cst = (ms: number) => `${new Date(ms + 8 * 3600_000).toISOString().slice(0, 19)}+08:00`;
    const t = Date.parse(createdAt);
    const q = encodeURIComponent;

    const around = await h.api(
      'GET',
      `/interaction-logs?from=${q(cst(t - 1000))}&to=${q(cst(t + 1000))}`,
    );
    const after = await h.api('GET', `/interaction-logs?from=${encodeURIComponent(cst(t + 1000))}`);

    expect(around.body.items.map((l: any) => l.logId)).toEqual([logId]);
    expect(after.body.items).toEqual([]);
  });

  it('attempts are own items: the log item does not grow, the API lists them all', async () => {
    await start();
    await order('ORD-A');
    const res = await result('ORD-A');
    await h.stack.settle();

    for (let i = 0; i < 3; i++)
      await h.api('POST', '/interaction-logs/push', { logIds: [res.body.logId] });
    const db = createDocClient(localClientConfig(process.env.DYNAMO_ENDPOINT!));
    const { Item } = await db.send(
      new GetCommand({
        TableName: h.stack.tables.interactionLogs,
        Key: { pk: `LOG#${res.body.logId}`, sk: 'LOG' },
      }),
    );
    db.destroy();

    expect(Item?.attempts ?? []).toEqual([]);
    expect((await log(res.body.logId)).attempts.map((a: any) => a.trigger)).toEqual([
      'automatic',
      'push',
      'push',
      'push',
    ]);
  });

  it('push by condition refuses logs of another order or result (400 logIds)', async () => {
    await start();
    const out = h.sim.org(TAX).ledgers.output;
    const blue = out.find((r) => r.invoiceStatus === 0)!;
    await order(blue.orderNo!);
    const otherOrder = await order('ORD-OTHER');
    const red = await result(blue.orderNo!, { resultType: 'RED' });
    await h.api('POST', '/sync', { type: 'output', orgIds: ['hz'] });
    await h.stack.settle();
    const before = rcv.received.length;

    const wrongOrder = await h.api('POST', '/interaction-logs/push-by-condition', {
      logIds: [otherOrder],
      orderNo: blue.orderNo,
      invoiceNo: blue.invoiceNo,
    });
    const wrongResult = await h.api('POST', '/interaction-logs/push-by-condition', {
      logIds: [red.body.logId],
      orderNo: blue.orderNo,
      invoiceNo: blue.invoiceNo,
    });
    await h.stack.settle();

    for (const r of [wrongOrder, wrongResult]) {
      expect(r.status).toBe(400);
      expect(r.body.error.details).toEqual([expect.objectContaining({ path: 'logIds' })]);
    }
    expect(rcv.received.length).toBe(before);
  });
});
