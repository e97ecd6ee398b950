/**
 * Correlation ids on every log line of real work (issue 16), captured from the logger's output on
 * the local stack: a failing sync run (runId; reqid on the cloud's lines), write-back events
 * (billId and eventId, never another event's), and callback deliveries (logId and the message).
 */
import { ORGS, type Harness } from '../support/harness.js';
import { billEvent, postBillEvent, serials, startWritebackHarness } from '../support/writeback.js';
import { until, FAST_WRITEBACK } from '../support/wait.js';
import { captured } from '../support/log-capture.js';

const HZ = ORGS[0]!;

describe('log lines carry the ids of the work they belong to (local stack)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startWritebackHarness({ stack: FAST_WRITEBACK });
  });
  afterAll(() => h.stop());
  afterEach(() => h.sim.setFaults({}));

  const syncRuns =
    'sync runs side by side: every line has its own run’s runId; the cloud’s its reqid';
  it(syncRuns, async () => {
    h.sim.setFaults({ outageTaxNos: ORGS.map((o) => o.taxNo) });
    let runIds: string[] = [];
    const lines = await captured(async () => {
      const res = await h.api('POST', '/sync', { type: 'input', orgIds: ['hz', 'sh'] });
      runIds = res.body.runs.map((r: { runId: string }) => r.runId);
      await h.stack.settle();
    });
    expect(runIds).toHaveLength(2);
    // Each failed run logged its cloud failure once, in its own scope.
    expect(lines.map((l) => l.runId).sort()).toEqual([...runIds].sort());
    for (const l of lines)
      expect(l).toMatchObject({
        message: 'invoice cloud call failed',
        reqid: expect.any(String),
        messageId: expect.any(String),
      });
  });

  it('write-back: every line has its own event’s billId and eventId, never another’s', async () => {
    h.sim.setFaults({ outageTaxNos: [HZ.taxNo] });
    const events: Record<string, string> = {};
    const lines = await captured(async () => {
      for (const [i, billId] of ['B-L1', 'B-L2'].entries())
        events[
          await postBillEvent(
            h,
            billEvent(h, { billId, serialNos: serials(h).slice(i * 2, i * 2 + 2) }),
          )
        ] = billId;
      await until('both dead-lettered', () => h.stack.queues.writeback.dead.length >= 2);
    });
    expect(lines.length).toBeGreaterThanOrEqual(2 * 5);
    for (const l of lines) {
      expect(Object.keys(events)).toContain(l.eventId);
      expect([l.eventId, l.billId, l.orgId]).toEqual([l.eventId, events[l.eventId], 'hz']);
    }
    expect(new Set(lines.map((l) => l.billId))).toEqual(new Set(['B-L1', 'B-L2']));
    const cloud = lines.filter((l) => /invoice cloud/.test(l.message));
    expect(cloud.length).toBeGreaterThan(0);
    for (const l of cloud) expect(l.reqid).toEqual(expect.any(String));
  });

  it('callbacks handled side by side: each line has its own logId and message id', async () => {
    const lines = await captured(async () => {
      await h.stack.queues.callbacks.send({ logId: 'L-gone-a' });
      await h.stack.queues.callbacks.send({ logId: 'L-gone-b' });
      await h.stack.settle();
    });
    expect(lines.map((l) => l.logId).sort()).toEqual(['L-gone-a', 'L-gone-b']);
    const byMessage = new Map(lines.map((l) => [l.messageId, l.logId]));
    expect(byMessage.size).toBe(2);
    for (const l of lines) expect(l.messageId).toEqual(expect.any(String));
  });
});
