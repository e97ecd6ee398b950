/**
 * R3 write-back delivery: events of many bills interleaved, every message delivered twice at
 * random, the cloud failing often enough that events are redelivered mid-way, and poison messages
 * in between — one cloud effect per event step, each bill's events applied in order, poison
 * isolated to the DLQ.
 */
import { FULL, figure, seeded } from '../support/figures.js';
import { ORGS, startHarness, type Harness } from '../support/harness.js';

const BILLS = FULL ? 60 : 12;
const STEP_OF: Record<string, string> = {
  '/m4/fpzs/expense/entry/save': 'save',
  '/m4/fpzs/expense/invoice/status/update': 'status',
  '/m4/fpzs/expense/entry/delete': 'delete',
};

describe(`R3 write-back delivery (${BILLS} bills)`, () => {
  let h: Harness;
  afterAll(() => h.stop());

  const deliveryFaults =
    'duplicates, interleaving and transient faults: ' +
    'one effect per step, order kept, poison isolated';
  it(deliveryFaults, async () => {
    h = await startHarness({
      stack: {
        retry: { baseDelayMs: 1, maxDelayMs: 5, budgetMs: 1000, timeoutMs: 1000, maxAttempts: 2 },
        writebackVisibilityMs: 30,
      },
    });
    await h.api('POST', '/sync', { type: 'input', orgIds: ['hz'] });
    await h.stack.settle();
    await h.api('PUT', '/config', { writeback: true });
    const serials = h.sim.org(ORGS[0]!.taxNo).ledgers.input.map((r) => r.serialNo);
    const rnd = seeded(3);
    // Per bill: saved(a,b) → saved(a,b,c) status 30 → unbound b → (half the bills) deleted.
    const plans = Array.from({ length: BILLS }, (_, i) => {
      const [a, b, c] = [
        serials[(i * 3) % serials.length]!,
        serials[(i * 3 + 1) % serials.length]!,
        serials[(i * 3 + 2) % serials.length]!,
      ];
      const base = {
        billId: `R3-${i}`,
        billNo: `BX-R3-${i}`,
        orgId: 'hz',
        userId: 'u',
        dataSource: 'EXPENSE',
      };
      const events = [
        { ...base, type: 'saved', billStatus: 'submitted', serialNos: [a, b] },
        { ...base, type: 'saved', billStatus: 'approved', serialNos: [a, b, c] },
        { ...base, type: 'invoiceUnbound', billStatus: 'approved', serialNos: [b] },
        ...(i % 2 ? [{ ...base, type: 'deleted', billStatus: 'discarded', serialNos: [] }] : []),
      ];
      return { billId: base.billId, events, expect: i % 2 ? null : [a, c] };
    });
    const expectedCalls = plans.reduce(
      // saved: save + status; unbound: release + save; deleted: release + delete.
      (n, p) => n + p.events.length * 2,
      0,
    );
    h.sim.setFaults({ rate5xx: 0.25 });
    const cursors = plans.map(() => 0);
    let sent = 0;
    let dups = 0;
    let poison = 0;
    while (cursors.some((c, i) => c < plans[i]!.events.length)) {
      const i = Math.floor(rnd() * plans.length);
      const p = plans[i]!;
      if (cursors[i]! >= p.events.length) continue;
      const e = p.events[cursors[i]!++]!;
      const eventId = `evt-${p.billId}-${cursors[i]}`;
      const msg = {
        eventId,
        receivedAt: new Date().toISOString(),
        loginOrgId: 'hz',
        event: e,
      } as never;
      await h.stack.queues.writeback.send(msg, { groupId: p.billId, dedupId: `${eventId}-a` });
      sent++;
      if (rnd() < 0.5) {
        await h.stack.queues.writeback.send(msg, { groupId: p.billId, dedupId: `${eventId}-b` });
        dups++;
      }
      if (rnd() < 0.1) {
        await h.stack.queues.writeback.send({ junk: true } as never, {
          groupId: `poison-${poison}`,
          dedupId: `poison-${poison}`,
        });
        poison++;
      }
    }
    await h.stack.settle();
    h.sim.setFaults({});
    const ok = h.sim.calls.filter((c) => STEP_OF[c.path] && c.code === '0000');
    const failed = h.sim.calls.filter((c) => STEP_OF[c.path] && c.status >= 500).length;
    const inCloud = (billId: string) => h.sim.bill(ORGS[0]!.taxNo, billId);
    const wrong = plans.filter((p) =>
      p.expect === null
        ? inCloud(p.billId)
        : JSON.stringify(inCloud(p.billId)?.serialNos) !== JSON.stringify(p.expect),
    );
    // Order per bill: the successful calls of one bill follow its events' order.
    const orderOk = plans.every((p) => {
      const kinds = ok
        .filter((c) => (c.body as { bxd_key: string }).bxd_key === p.billId)
        .map((c) => STEP_OF[c.path]);
      const want = p.events.flatMap((e) =>
        e.type === 'saved'
          ? ['save', 'status']
          : e.type === 'deleted'
            ? ['status', 'delete']
            : ['status', 'save'],
      );
      return JSON.stringify(kinds) === JSON.stringify(want);
    });
    const dead = h.stack.queues.writeback.dead.length;
    const input = `${sent} events (+${dups} duplicate deliveries, ${poison} poison)`;
    const calls = `${ok.length}/${expectedCalls} effective calls`;
    const outcome = `${calls}, ${wrong.length} bills wrong, order kept: ${orderOk}, ${dead} in DLQ`;
    figure(`R3: ${input} across ${BILLS} bills; ${failed} cloud 5xx → ${outcome}`);
    expect(ok.length).toBe(expectedCalls);
    expect(wrong.map((w) => w.billId)).toEqual([]);
    expect(orderOk).toBe(true);
    expect(dead).toBe(poison);
    expect(failed).toBeGreaterThan(0);
  });
});
