/**
 * The vendor's release rule (INVOICE_CLOUD_API.md, "Bills"): an invoice that leaves a bill
 * (removed, unbound, its bill deleted) is set back to use status `1` while it is still on the bill,
 * before the save without it or the delete; otherwise the cloud keeps it occupied for ever.
 */
import { billStatusBody, CODES, EXPENSE_STATUS } from '../../adapters/cloud/contract.js';
import type { BillCtx } from './context.js';
import { MSG, NOTE } from './messages.js';
import { splitInUse } from './plan.js';
import type { Refusal, StepOptions } from './steps.js';

const GONE = { [CODES.serialNotOnBill]: NOTE.notOnBill, [CODES.notFound]: NOTE.billGone };

/**
 * Release `serials` on the event's bill, as the step `release`: one call for them all; when the
 * cloud says one is no longer on the bill (1301), each again alone (its own marker), a 1301 then
 * counting as already released. An invoice another bill of this org still uses is not released.
 */
export const releaseInvoices = async (c: BillCtx, serials: string[]): Promise<true | Refusal> => {
  if (!serials.length) return true;
  const { bills } = c.deps.stores;
  const others = await Promise.all(
    serials.map((s) => bills.otherBillsUsing(c.orgId, s, c.e.billId)),
  );
  const { kept, free } = splitInUse(serials, others);
  if (kept.length)
    await c.log('release', { serialNos: kept }, { message: MSG.keptInUse(kept) }, 'skipped');
  if (!free.length) return true;
  const send = (s: string[], opts: StepOptions) =>
    c.call(
      'release',
      (a, b) => c.deps.cloud.billStatus(a, b),
      billStatusBody({ ...c.ident, expenseStatus: EXPENSE_STATUS.unused, serialNos: s }),
      opts,
    );
  if (free.length === 1) return send(free, { okCodes: GONE });
  const all = await send(free, { okCodes: { [CODES.notFound]: NOTE.billGone } });
  if (all === true || all.code !== CODES.serialNotOnBill) return all;
  for (const s of free) {
    const one = await send([s], { okCodes: GONE, marker: `release:${s}` });
    if (one !== true) return one;
  }
  return true;
};
