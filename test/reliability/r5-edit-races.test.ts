/**
 * R5 edit races: face edits racing syncs of the same invoices — no edit is lost, `modified`
 * honoured.
 */
import { invoiceIdOf } from '#shared/adapters/dynamo/keys.js';
import { FULL, figure, seeded } from '../support/figures.js';
import { ORGS, startHarness, type Harness } from '../support/harness.js';

const EDITS = FULL ? 1000 : 200;
const SYNCS = FULL ? 10 : 4;

describe(`R5 edit races (${EDITS} edits, ${SYNCS} syncs)`, () => {
  let h: Harness;
  afterAll(() => h.stop());

  it('0 lost edits', async () => {
    h = await startHarness({
      orgs: [{ ...ORGS[0]!, input: 300, output: 0 }],
      stack: { pageSize: 50 },
    });
    await h.api('POST', '/sync', { type: 'input', orgIds: ['hz'] });
    await h.stack.settle();
    const ledger = h.sim.org(ORGS[0]!.taxNo).ledgers.input;
    const targets = ledger.slice(0, 80).map((r) => r.serialNo);
    const rnd = seeded(5);
    const last = new Map<string, string>();
    const queues = new Map<string, string[]>();
    for (let k = 0; k < EDITS; k++) {
      const s = targets[Math.floor(rnd() * targets.length)]!;
      queues.set(s, [...(queues.get(s) ?? []), `本地编辑-${k}`]);
    }
    const syncs = (async () => {
      for (let i = 0; i < SYNCS; i++) {
        for (const s of targets.slice(0, 40))
          h.sim.mutate(ORGS[0]!.taxNo, 'input', s, {
            buyerName: `云端-${i}`,
            totalAmount: `${100 + i}.00`,
          });
        await h.api('POST', '/sync', { type: 'input', orgIds: ['hz'] });
        await h.stack.settle();
      }
    })();
    let conflicts = 0;
    const edits = Promise.all(
      [...queues.entries()].map(async ([s, values]) => {
        for (const v of values) {
          const r = await h.api(
            'PATCH',
            `/invoices/${invoiceIdOf('hz', 'input', s)}`,
            { buyerName: v },
            h.expense,
          );
          if (r.status === 409) conflicts++;
          expect(r.status).toBe(200);
          last.set(s, v);
        }
      }),
    );
    await Promise.all([syncs, edits]);
    let lost = 0;
    for (const [s, v] of last) {
      const inv = (
        await h.api('GET', `/invoices/${invoiceIdOf('hz', 'input', s)}`, undefined, h.expense)
      ).body;
      if (inv.buyerName !== v || inv.modified !== true) lost++;
    }
    const untouched = ledger.find(
      (r) => !last.has(r.serialNo) && targets.slice(0, 40).includes(r.serialNo),
    );
    const races = `${EDITS} edits on ${last.size} invoices racing ${SYNCS} syncs`;
    figure(`R5: ${races} → ${lost} lost, ${conflicts} conflicts`);
    expect(lost).toBe(0);
    if (untouched)
      expect(
        (
          await h.api(
            'GET',
            `/invoices/${invoiceIdOf('hz', 'input', untouched.serialNo)}`,
            undefined,
            h.expense,
          )
        ).body,
      ).toMatchObject({ modified: false, buyerName: `云端-${SYNCS - 1}` });
  });
});
