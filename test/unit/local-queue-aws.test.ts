/**
 * The local queue's opt-in AWS-like mode: duplicates, the real visibility timeout on a manual
 * clock, send faults.
 */
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { LocalQueue, ManualClock, type AwsLikeMode } from '#local/queue.js';
import { lambdaContext } from '#local/lambda.js';

const VISIBILITY_MS = 360_000;
const tick = () => new Promise((r) => setTimeout(r, 20));

const makeQueue = (aws?: Partial<AwsLikeMode>, clock = new ManualClock()) => {
  const q = new LocalQueue<{ n: number }>('q', {
    context: () => lambdaContext('callback-sender'),
    ...(aws ? { aws: { clock, visibilityTimeoutMs: VISIBILITY_MS, ...aws } } : {}),
  });
  const seen: { n: number; receive: string; inFlight: number }[] = [];
  let inFlight = 0;
  let fail = new Set<number>();
  q.consumer = async (event: SQSEvent): Promise<SQSBatchResponse> => {
    inFlight++;
    const peak = inFlight;
    await new Promise((r) => setTimeout(r, 10));
    const failures = event.Records.flatMap((r) => {
      const { n } = JSON.parse(r.body) as { n: number };
      seen.push({ n, receive: r.attributes.ApproximateReceiveCount, inFlight: peak });
      return fail.has(n) ? [{ itemIdentifier: r.messageId }] : [];
    });
    inFlight--;
    return { batchItemFailures: failures };
  };
  return { q, seen, clock, failOn: (...ns: number[]) => (fail = new Set(ns)) };
};

describe('LocalQueue AWS-like mode', () => {
  it('delivers a duplicated send twice, in two concurrent invocations', async () => {
    const { q, seen } = makeQueue({ duplicate: (no) => no === 1 });

    await q.send({ n: 1 });
    await q.send({ n: 2 });
    await q.drain();

    expect(seen.filter((s) => s.n === 1)).toHaveLength(2);
    expect(seen.filter((s) => s.n === 2)).toHaveLength(1);
    expect(Math.max(...seen.filter((s) => s.n === 1).map((s) => s.inFlight))).toBe(2);
  });

  const redeliveredAfterTimeout =
    'redelivers a failed message only after the visibility timeout on the manual clock';
  it(redeliveredAfterTimeout, async () => {
    const { q, seen, clock, failOn } = makeQueue({});
    failOn(1);

    await q.send({ n: 1 });
    await q.drain();
    failOn();
    clock.advance(VISIBILITY_MS - 1);
    await tick();
    await q.drain();
    const beforeTimeout = seen.length;
    clock.advance(1);
    await tick();
    await q.drain();

    expect(beforeTimeout).toBe(1);
    expect(seen.map((s) => s.receive)).toEqual(['1', '2']);
  });

  it('holds delayed messages until the clock reaches their delay', async () => {
    const { q, seen, clock } = makeQueue({});

    await q.send({ n: 1 }, { delaySeconds: 60 });
    await q.drain();
    const early = seen.length;
    clock.advance(60_000);
    await tick();
    await q.drain();

    expect(early).toBe(0);
    expect(seen).toHaveLength(1);
  });

  it('the n-th send throws as throttling would, and queues nothing', async () => {
    const { q, seen } = makeQueue({});
    q.failSend(2);

    await q.send({ n: 1 });
    const second = q.send({ n: 2 });
    await expect(second).rejects.toMatchObject({ name: 'ThrottlingException' });
    await q.send({ n: 3 });
    await q.drain();

    expect(seen.map((s) => s.n).sort()).toEqual([1, 3]);
  });

  const defaultMode =
    'default mode unchanged: no duplicates, failed messages back after the local delay';
  it(defaultMode, async () => {
    const { q, seen, failOn } = makeQueue();
    failOn(1);

    await q.send({ n: 1 });
    await new Promise((r) => setTimeout(r, 30));
    failOn();
    await q.drain();

    expect(seen.map((s) => s.receive)).toEqual(['1', '2']);
  });
});
