/**
 * A write-back event redriven from its DLQ after newer events of the same bill were applied is
 * superseded: the cloud keeps the newer invoice list (the FIFO group's order no longer holds
 * across a redrive).
 */
import { ORGS, type Harness } from '../support/harness.js';
import {
  billEvent,
  billLogs,
  postBillEvent,
  serials,
  startWritebackHarness,
} from '../support/writeback.js';
import { until, FAST_WRITEBACK } from '../support/wait.js';

const HZ = ORGS[0]!;

describe('a redriven old write-back event', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startWritebackHarness({ stack: FAST_WRITEBACK });
  });
  afterAll(() => h.stop());

  const supersededTitle =
    'is skipped when a newer event of the bill was applied since; the cloud keeps the newer list';
  it(supersededTitle, async () => {
    const [a, b, c] = [serials(h).slice(0, 2), serials(h).slice(2, 4), serials(h).slice(4, 6)];
    await postBillEvent(h, billEvent(h, { billId: 'B-O', serialNos: a }));
    await h.stack.settle();
    h.sim.setFaults({ outageTaxNos: [HZ.taxNo] });
    const old = await postBillEvent(h, billEvent(h, { billId: 'B-O', serialNos: b }));
    await until('the old save in the DLQ', () => h.stack.queues.writeback.dead.length === 1);
    h.sim.setFaults({});
    await postBillEvent(h, billEvent(h, { billId: 'B-O', serialNos: c }));
    await h.stack.settle();
    const newer = h.sim.bill(HZ.taxNo, 'B-O');
    expect(newer?.serialNos).toEqual(c);

    const listed = async () =>
      ((await h.api('GET', '/bills/dead-letters')).body.items as { eventId: string }[]).map(
        (i) => i.eventId,
      );
    expect(await listed()).toContain(old);

    const res = await h.api('POST', '/dead-letters/writeback/redrive');
    expect(res.status).toBe(202);
    await until('the redriven save logged', async () =>
      (await billLogs(h, 'B-O')).some((l) => l.eventId === old && l.outcome === 'skipped'),
    );

    expect(h.sim.bill(HZ.taxNo, 'B-O')?.serialNos).toEqual(c);
    const skipped = (await billLogs(h, 'B-O')).filter((l) => l.eventId === old);
    expect(skipped.at(-1)?.response.message).toMatch(/older event .* newer one/);
    // Once a redrive has ended it, the event leaves the dead-letter list.
    expect(await listed()).not.toContain(old);
  });
});
