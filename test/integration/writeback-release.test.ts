/**
 * Issue 14 — the vendor's release rule on the wire: invoices leave a bill only after they are set
 * back to `1` while still on it (removed from a saved bill, unbound, a deleted, rejected or
 * discarded bill), each release a logged, marked step; bill states by name.
 */
import { ORGS, type Harness } from '../support/harness.js';
import {
  billEvent as event,
  billLogs as logs,
  postBillEvent as post,
  serials,
  startWritebackHarness,
  STEP_OF,
  writebackRecord,
} from '../support/writeback.js';
import { lambdaContext } from '#local/lambda.js';
import { CloudError } from '#shared/adapters/cloud/client.js';
import { CLOUD_PATHS } from '#shared/adapters/cloud/contract.js';

const HZ = ORGS[0]!;
const billCalls = (h: Harness, billId = 'B-1') =>
  h.sim.calls.filter((c) => STEP_OF[c.path] && (c.body as { bxd_key?: string }).bxd_key === billId);
/** The bill calls the cloud accepted, as `save`, `delete` or `status <expenseStatus> <serials>`. */
const effective = (h: Harness, billId = 'B-1') =>
  billCalls(h, billId)
    .filter((c) => c.code === '0000')
    .map((c) => {
      const b = c.body as any;
      if (STEP_OF[c.path] !== 'status') return STEP_OF[c.path];
      return `status ${b.expenseStatus} ${b.invoiceData.map((i: any) => i.serialNo).join(',')}`;
    });
const useStatus = (h: Harness, serial: string) =>
  h.sim.org(HZ.taxNo).ledgers.input.find((r) => r.serialNo === serial)!.expendStatus;
const start = () => startWritebackHarness({ orgs: [HZ] });

describe('write-back release rule (issue 14)', () => {
  let h: Harness;
  afterEach(() => h.stop());

  it('saved [A,B,C] → saved [A,B] → paid → deleted: exact wire bodies, in order', async () => {
    // Arrange
    h = await start();
    const [a, b, c] = serials(h) as [string, string, string];
    const signed = {
      client_id: HZ.clientId,
      timestamp: expect.stringMatching(/^\d{13}$/),
      sign: expect.stringMatching(/^[0-9a-f]{32}$/),
      tin: HZ.taxNo,
    };
    const who = { eid: 'user-1', billnumber: 'BX20240722001', bxd_key: 'B-1' };
    const save = (fid: string[]) => ({
      ...signed,
      ...who,
      billTypeId: '',
      billType: '',
      userKey: '',
      resource: 'EXPENSE',
      forceWrite: false,
      data: [{ entryid: '', fid }],
      remark: null,
      expensePersonId: null,
      expensePersonName: null,
      realExpenseAmount: null,
    });
    const status = (expenseStatus: string, serialNos: string[]) => ({
      ...signed,
      ...who,
      billTypeId: '',
      userKey: '',
      ticketParam: null,
      expenseStatus,
      invoiceData: serialNos.map((serialNo) => ({
        serialNo,
        canBeDeduction: null,
        entryAmount: null,
        outputReason: null,
        outputAmount: null,
      })),
    });
    const del = { ...signed, ...who, billType: '', userKey: '' };
    const seen: (string | number | undefined)[][] = [];
    const look = () =>
      seen.push([a, b, c].map((s) => h.sim.bill(HZ.taxNo, 'B-1')?.expenseStatus[s]));
    // Act
    await post(h, event(h, { serialNos: [a, b, c] }));
    await h.stack.settle();
    look();
    await post(h, event(h, { serialNos: [a, b] }));
    await h.stack.settle();
    look();
    await post(h, event(h, { serialNos: [a, b], billStatus: 'paid' }));
    await h.stack.settle();
    look();
    await post(h, event(h, { type: 'deleted', billStatus: 'paid', serialNos: [] }));
    await h.stack.settle();
    // Assert
    const calls = billCalls(h);
    expect(calls.map((x) => [x.path, x.code])).toEqual(
      [
        CLOUD_PATHS.billSave,
        CLOUD_PATHS.billStatus,
        CLOUD_PATHS.billStatus,
        CLOUD_PATHS.billSave,
        CLOUD_PATHS.billStatus,
        CLOUD_PATHS.billSave,
        CLOUD_PATHS.billStatus,
        CLOUD_PATHS.billStatus,
        CLOUD_PATHS.billDelete,
      ].map((p) => [p, '0000']),
    );
    expect(calls.map((x) => x.body)).toEqual([
      save([a, b, c]),
      status('30', [a, b, c]),
      status('1', [c]),
      save([a, b]),
      status('30', [a, b]),
      save([a, b]),
      status('60', [a, b]),
      status('1', [a, b]),
      del,
    ]);
    expect(seen).toEqual([
      ['30', '30', '30'],
      ['30', '30', undefined],
      ['60', '60', undefined],
    ]);
    expect([a, b, c].map((s) => useStatus(h, s))).toEqual([1, 1, 1]);
    expect(h.sim.bill(HZ.taxNo, 'B-1')).toBeUndefined();
    const l = await logs(h);
    expect(l.map((x) => [x.step, x.outcome])).toEqual([
      ['save', 'succeeded'],
      ['status', 'succeeded'],
      ['release', 'succeeded'],
      ['save', 'succeeded'],
      ['status', 'succeeded'],
      ['save', 'succeeded'],
      ['status', 'succeeded'],
      ['release', 'succeeded'],
      ['delete', 'succeeded'],
    ]);
  });

  const deliveredTwice =
    'every event delivered twice, and a save failing once after its release: nothing sent twice';
  it(deliveredTwice, async () => {
    // Arrange
    h = await start();
    const [a, b, c] = serials(h) as [string, string, string];
    const events = [
      event(h, { serialNos: [a, b, c] }),
      event(h, { serialNos: [a, b] }),
      event(h, { serialNos: [a, b], billStatus: 'paid' }),
      event(h, { type: 'deleted', billStatus: 'paid', serialNos: [] }),
    ];
    const cloud = h.stack.deps.cloud;
    const realSave = cloud.saveBill.bind(cloud);
    let saves = 0;
    cloud.saveBill = (auth, body) =>
      ++saves === 2
        ? Promise.reject(new CloudError('9999', 'injected outage after the release', true))
        : realSave(auth, body);
    const deliver = (m: any, receives: number) =>
      h.stack.handlers['bill-writeback'](
        { Records: [writebackRecord(m, receives)] },
        lambdaContext('bill-writeback'),
      );
    // Act
    for (const [i, e] of events.entries()) {
      const m = {
        eventId: `evt-${i}`,
        receivedAt: new Date().toISOString(),
        loginOrgId: 'hz',
        event: e,
      };
      await deliver(m, 1); // the second event's save fails here: the message comes back
      await deliver(m, 2);
      await deliver(m, 3);
    }
    // Assert
    expect(effective(h)).toEqual([
      'save',
      `status 30 ${a},${b},${c}`,
      `status 1 ${c}`,
      'save',
      `status 30 ${a},${b}`,
      'save',
      `status 60 ${a},${b}`,
      `status 1 ${a},${b}`,
      'delete',
    ]);
    const l = await logs(h);
    const release = l.filter((x) => x.step === 'release');
    expect(release.map((x) => [x.eventId, x.outcome])).toEqual([
      ['evt-1', 'succeeded'],
      ['evt-1', 'skipped'],
      ['evt-3', 'succeeded'],
    ]);
    expect(l.filter((x) => x.outcome === 'skipped' && x.step === 'event')).toHaveLength(7);
  });

  const unboundReleased =
    'an invoice unbound is released while still on the bill, then the bill is saved without it';
  it(unboundReleased, async () => {
    h = await start();
    const [a, b] = serials(h) as [string, string];
    await post(h, event(h, { serialNos: [a, b] }));
    await h.stack.settle();
    // Act
    await post(h, event(h, { type: 'invoiceUnbound', serialNos: [b] }));
    await h.stack.settle();
    // Assert
    expect(effective(h)).toEqual(['save', `status 30 ${a},${b}`, `status 1 ${b}`, 'save']);
    expect(h.sim.bill(HZ.taxNo, 'B-1')?.serialNos).toEqual([a]);
    expect(useStatus(h, b)).toBe(1);
  });

  const lastUnbound =
    'unbinding the last invoice releases it, then deletes the bill (never an empty save)';
  it(lastUnbound, async () => {
    h = await start();
    const [a] = serials(h) as [string];
    await post(h, event(h, { serialNos: [a] }));
    await h.stack.settle();
    // Act
    await post(h, event(h, { type: 'invoiceUnbound', serialNos: [a] }));
    await h.stack.settle();
    // Assert
    expect(effective(h)).toEqual(['save', `status 30 ${a}`, `status 1 ${a}`, 'delete']);
    expect(h.sim.bill(HZ.taxNo, 'B-1')).toBeUndefined();
    expect(useStatus(h, a)).toBe(1);
    const l = await logs(h);
    expect(l.map((x) => x.step).slice(-3)).toEqual(['release', 'event', 'delete']);
    expect(l.at(-2).response.message).toMatch(/last invoice.*deleted instead of an empty save/);
  });

  const rejectedOrDiscarded =
    'a rejected or discarded bill releases its invoices (status 1 while on the bill)';
  it(rejectedOrDiscarded, async () => {
    h = await start();
    const [a, b, c] = serials(h) as [string, string, string];
    await post(h, event(h, { serialNos: [a, b] }));
    await post(h, event(h, { billId: 'B-2', billNo: 'BX2', serialNos: [c] }));
    await h.stack.settle();
    // Act
    await post(h, event(h, { serialNos: [a, b], billStatus: 'rejected' }));
    await post(
      h,
      event(h, { billId: 'B-2', billNo: 'BX2', serialNos: [c], billStatus: 'discarded' }),
    );
    await h.stack.settle();
    // Assert
    expect(effective(h).slice(-2)).toEqual(['save', `status 1 ${a},${b}`]);
    expect(effective(h, 'B-2').slice(-2)).toEqual(['save', `status 1 ${c}`]);
    expect([a, b, c].map((s) => useStatus(h, s))).toEqual([1, 1, 1]);
  });

  const release1301 =
    'a release refused with 1301 (no longer on the bill) counts as released, and is logged';
  it(release1301, async () => {
    h = await start();
    const [a, b] = serials(h) as [string, string];
    await post(h, event(h, { serialNos: [a, b] }));
    await h.stack.settle();
    h.sim.bill(HZ.taxNo, 'B-1')!.serialNos = [a]; // b left the bill in the cloud meanwhile
    // Act
    await post(h, event(h, { type: 'deleted', serialNos: [] }));
    await h.stack.settle();
    // Assert
    const l = await logs(h);
    const rel = l.filter((x) => x.step === 'release');
    expect(rel.at(-1)).toMatchObject({ outcome: 'succeeded', response: { code: '1301' } });
    expect(rel.at(-1).note).toMatch(/no longer on the bill.*already released/);
    expect(h.sim.bill(HZ.taxNo, 'B-1')).toBeUndefined();
    expect(useStatus(h, a)).toBe(1);
    expect(l.at(-1)).toMatchObject({ step: 'delete', outcome: 'succeeded' });
  });

  it('bill states are names: a numeric code is a 400 naming billStatus', async () => {
    h = await start();
    for (const billStatus of ['20', '90', 'archived']) {
      const res = await h.api('POST', '/bills/events', event(h, { billStatus }), h.expense);
      expect([res.status, res.body.error.details.map((d: any) => d.path)]).toEqual([
        400,
        ['billStatus'],
      ]);
    }
    for (const billStatus of [
      'draft',
      'submitted',
      'approved',
      'paid',
      'booked',
      'rejected',
      'discarded',
    ])
      expect(
        (await h.api('POST', '/bills/events', event(h, { billStatus }), h.expense)).status,
      ).toBe(202);
  });
});
