import type { BillState } from '#shared/adapters/dynamo/bill-store.js';
import { planBillEvent, splitInUse } from '#shared/use-cases/writeback/plan.js';

const state = (serialNos: string[], deleted = false): BillState => ({
  orgId: 'org-1',
  billId: 'b-1',
  billNo: 'B1',
  serialNos,
  billStatus: 'submitted',
  deleted,
  updatedAt: '2024-07-01T00:00:00.000Z',
});

describe('planBillEvent: saved', () => {
  it('releases what left the bill since the last save and keeps the new list', () => {
    const plan = planBillEvent('saved', ['B', 'C'], state(['A', 'B']));

    expect(plan).toEqual({ action: 'save', release: ['A'], keep: ['B', 'C'] });
  });

  it('releases nothing on a first save', () => {
    expect(planBillEvent('saved', ['A'], undefined)).toEqual({
      action: 'save',
      release: [],
      keep: ['A'],
    });
  });

  it('releases nothing from a bill recorded as deleted', () => {
    expect(planBillEvent('saved', ['B'], state(['A'], true))).toMatchObject({ release: [] });
  });

  it('refuses an empty save', () => {
    expect(planBillEvent('saved', [], state(['A']))).toEqual({
      action: 'refuse',
      why: 'emptySave',
    });
  });
});

describe('planBillEvent: invoiceUnbound', () => {
  it('releases the unbound invoices and saves the rest', () => {
    const plan = planBillEvent('invoiceUnbound', ['A'], state(['A', 'B']));

    expect(plan).toEqual({ action: 'save', release: ['A'], keep: ['B'] });
  });

  it('deletes a bill left empty, without marking it deleted', () => {
    const plan = planBillEvent('invoiceUnbound', ['A', 'B'], state(['A', 'B']));

    expect(plan).toEqual({ action: 'delete', release: ['A', 'B'], markDeleted: false });
  });

  it('refuses a bill never saved through write-back', () => {
    expect(planBillEvent('invoiceUnbound', ['A'], undefined)).toEqual({
      action: 'refuse',
      why: 'neverSaved',
    });
  });
});

describe('planBillEvent: deleted', () => {
  it('releases every recorded invoice of the bill, then deletes and marks it', () => {
    const plan = planBillEvent('deleted', ['X'], state(['A', 'B']));

    expect(plan).toEqual({ action: 'delete', release: ['A', 'B'], markDeleted: true });
  });

  it('releases the event’s invoices when the bill was never recorded', () => {
    expect(planBillEvent('deleted', ['X'], undefined)).toMatchObject({ release: ['X'] });
  });
});

describe('the release rule’s exception (splitInUse)', () => {
  it('keeps in use an invoice another bill of the org still uses', () => {
    const split = splitInUse(['A', 'B', 'C'], [[], ['b-2'], []]);

    expect(split).toEqual({ kept: ['B'], free: ['A', 'C'] });
  });
});
