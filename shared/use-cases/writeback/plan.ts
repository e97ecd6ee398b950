/**
 * What one bill event does to the bill in the invoice cloud, decided from the event and the bill
 * as this product last wrote it — a plain function, so the rule is read and tested apart from the
 * cloud calls that carry it out (events.ts).
 */
import type { BillEvent } from '../../domain/schemas/bills.js';
import type { BillState } from '../../adapters/dynamo/bill-store.js';

/**
 * `refuse`: nothing is sent (`emptySave`: a save with no serial would empty the bill;
 * `neverSaved`: nothing to unbind from). `save`: release `release` while still on the bill, then
 * save it with `keep`. `delete`: release `release`, then delete the bill; `markDeleted` says
 * whether later events are skipped (a bill emptied by unbinding lives on in the expense system).
 */
export type BillPlan =
  | { action: 'refuse'; why: 'emptySave' | 'neverSaved' }
  | { action: 'save'; release: string[]; keep: string[] }
  | { action: 'delete'; release: string[]; markDeleted: boolean };

/**
 * The plan for an event of `type` naming `given` (its serials, each once) on a bill last written
 * as `state` (undefined: never saved through write-back).
 * - saved: release what left the bill since the last save (nothing after a delete), keep `given`.
 * - invoiceUnbound: release `given`; keep the rest, or delete the bill when none is left.
 * - deleted: release every invoice of the bill (as recorded, else as the event names them).
 */
export const planBillEvent = (
  type: BillEvent['type'],
  given: string[],
  state: BillState | undefined,
): BillPlan => {
  switch (type) {
    case 'saved': {
      if (!given.length) return { action: 'refuse', why: 'emptySave' };
      const before = state && !state.deleted ? state.serialNos : [];
      return { action: 'save', release: before.filter((s) => !given.includes(s)), keep: given };
    }
    case 'invoiceUnbound': {
      if (!state) return { action: 'refuse', why: 'neverSaved' };
      const rest = state.serialNos.filter((s) => !given.includes(s));
      return rest.length
        ? { action: 'save', release: given, keep: rest }
        : { action: 'delete', release: given, markDeleted: false };
    }
    case 'deleted':
      return { action: 'delete', release: state ? state.serialNos : given, markDeleted: true };
  }
};

/**
 * The release rule's exception: an invoice another bill of this org still uses stays in use.
 * `usedBy[i]` lists the other bills using `serials[i]`.
 */
export const splitInUse = (
  serials: string[],
  usedBy: string[][],
): { kept: string[]; free: string[] } => ({
  kept: serials.filter((_, i) => (usedBy[i]?.length ?? 0) > 0),
  free: serials.filter((_, i) => (usedBy[i]?.length ?? 0) === 0),
});
