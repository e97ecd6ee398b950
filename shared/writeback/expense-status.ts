/**
 * The invoice use status a bill status maps to (SPEC §3.3): draft, submitted, approved → `30` (in
 * use); paid → `60` (used); booked → `65`; rejected, discarded → `1` (released). Today's event
 * codes are read as 10 draft, 20 submitted, 30 approved, 40 paid, 90 rejected/discarded.
 */
import { EXPENSE_STATUS, type ExpenseStatus } from '../cloud/contract.js';

const { unused, inUse, used, booked } = EXPENSE_STATUS;
const BY_BILL_STATUS: Readonly<Record<string, ExpenseStatus>> = {
  draft: inUse,
  submitted: inUse,
  approved: inUse,
  paid: used,
  booked,
  rejected: unused,
  discarded: unused,
  '10': inUse,
  '20': inUse,
  '30': inUse,
  '40': used,
  '90': unused,
};

export const expenseStatusForBill = (billStatus: string): ExpenseStatus => {
  const s = BY_BILL_STATUS[billStatus];
  if (!s) throw new Error(`no invoice use status for bill status ${billStatus}`);
  return s;
};
