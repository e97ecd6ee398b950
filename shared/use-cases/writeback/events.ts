/**
 * The three bill events on the wire (SPEC §3.3), each in the vendor's order: release the invoices
 * leaving the bill while they are still on it → save → status of the remaining; deleted: release
 * all → delete. Every cloud call is one logged, marked step (`steps.ts`).
 */
import {
  billDeleteBody,
  billSaveBody,
  billStatusBody,
  CODES,
} from '../../adapters/cloud/contract.js';
import { logger } from '../../logger.js';
import type { BillOutcome } from '../../domain/schemas/bills.js';
import type { BillCtx } from './context.js';
import { expenseStatusForBill } from './expense-status.js';
import { MSG, NOTE } from './messages.js';
import { planBillEvent } from './plan.js';
import { releaseInvoices } from './release.js';
import type { Refusal } from './steps.js';

/** saved: release the invoices removed since the last save, save the list, set its status. */
export const applySaved = async (c: BillCtx): Promise<BillOutcome> => {
  const plan = planBillEvent('saved', c.given, c.state);
  if (plan.action !== 'save') return c.finish('failed', MSG.emptySave);
  const list = plan.keep;
  const released = await releaseInvoices(c, plan.release);
  if (released !== true) return c.finish('failed', MSG.releaseRefused(released));
  const { saved, forced } = await saveBill(c, list, await notPooled(c, list));
  if (saved !== true) return c.finish('failed', MSG.saveRefused(saved));
  const status = await c.call(
    'status',
    (a, b) => c.deps.cloud.billStatus(a, b),
    billStatusBody({
      ...c.ident,
      expenseStatus: expenseStatusForBill(c.e.billStatus),
      serialNos: list,
    }),
  );
  // The cloud has the bill from here on, whatever its status step said: record it for later events.
  await c.record(list, false, forced);
  if (status !== true) return c.finish('failed', MSG.statusRefused(status));
  return c.finish('succeeded');
};

/** invoiceUnbound: release the unbound invoices, then save the rest (or delete an emptied bill). */
export const applyUnbound = async (c: BillCtx): Promise<BillOutcome> => {
  const plan = planBillEvent('invoiceUnbound', c.given, c.state);
  if (plan.action === 'refuse') return c.finish('failed', MSG.neverSaved(c.e.billId, c.orgId));
  const released = await releaseInvoices(c, plan.release);
  if (released !== true) return c.finish('failed', MSG.releaseRefused(released));
  if (plan.action === 'delete') {
    const message = MSG.unboundLast(c.given);
    await c.log('event', { type: c.e.type, serialNos: c.given }, { message }, 'succeeded');
    // The expense system's bill lives on (emptied): a later save may fill it again.
    return deleteBill(c, plan.markDeleted);
  }
  const { saved, forced } = await saveBill(c, plan.keep);
  if (saved !== true) return c.finish('failed', MSG.saveRefused(saved));
  await c.record(plan.keep, false, forced);
  return c.finish('succeeded');
};

/** deleted: release every invoice of the bill while it is still there, then delete it. */
export const applyDeleted = async (c: BillCtx): Promise<BillOutcome> => {
  const plan = planBillEvent('deleted', c.given, c.state);
  const released = await releaseInvoices(c, plan.action === 'refuse' ? [] : plan.release);
  if (released !== true) return c.finish('failed', MSG.releaseRefused(released));
  return deleteBill(c, true);
};

/**
 * 1404 counts as deleted only for a bill this product saved for this org (an earlier delivery
 * deleted it); for any other, it is the answer (review H3).
 */
const deleteBill = async (c: BillCtx, deleted: boolean): Promise<BillOutcome> => {
  const okCodes: Record<string, string> = c.state ? { [CODES.notFound]: NOTE.deletedEarlier } : {};
  const del = await c.call(
    'delete',
    (a, b) => c.deps.cloud.deleteBill(a, b),
    billDeleteBody(c.ident),
    { okCodes },
  );
  if (del !== true)
    return c.finish(
      'failed',
      del.code === CODES.notFound
        ? MSG.deleteUnknown(c.e.billId, c.orgId, del)
        : MSG.deleteRefused(del),
    );
  await c.record([], deleted);
  return c.finish('succeeded');
};

/**
 * Save the bill with `list`; force-write when another bill of this org uses an invoice, or when
 * the cloud answers 1409 (the seed's rule) — the latter logged as its own line and counted on the
 * bill (review I1).
 */
const saveBill = async (
  c: BillCtx,
  list: string[],
  note?: string,
): Promise<{ saved: true | Refusal; forced: number }> => {
  const { bills } = c.deps.stores;
  const shared = await Promise.all(list.map((s) => bills.otherBillsUsing(c.orgId, s, c.e.billId)));
  const forceWrite = shared.some((b) => b.length > 0);
  const save = (force: boolean) =>
    c.call(
      'save',
      (a, b) => c.deps.cloud.saveBill(a, b),
      billSaveBody({ ...c.ident, forceWrite: force, serialNos: list }),
      note ? { note } : {},
    );
  let forced = c.state?.forcedWrites ?? 0;
  let saved = await save(forceWrite);
  if (saved !== true && saved.code === CODES.conflict && !forceWrite) {
    forced += 1;
    const response = { message: MSG.forced(saved, forced), forcedWrites: forced };
    await c.log('forceWrite', { serialNos: list }, response, 'succeeded');
    logger.warn('bill saved with force-write after 1409', {
      orgId: c.orgId,
      billId: c.e.billId,
      forcedWrites: forced,
    });
    saved = await save(true);
  }
  return { saved, forced };
};

/** Diagnostics only: serials sent that the input pool does not hold. */
const notPooled = async (c: BillCtx, serials: string[]): Promise<string | undefined> => {
  const pool = await c.deps.stores.invoices.getCloudMany(c.orgId, 'input', serials);
  const missing = serials.filter((s) => !pool.has(s));
  return missing.length ? MSG.notPooled(missing) : undefined;
};
