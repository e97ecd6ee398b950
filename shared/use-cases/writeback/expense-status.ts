/**
 * The invoice use status a bill status maps to (SPEC §3.3): draft, submitted, approved → `30` (in
 * use); paid → `60` (used); booked → `65`; rejected, discarded → `1` (released).
 */
import { EXPENSE_STATUS, type ExpenseStatus } from '../../adapters/cloud/contract.js';
import type { BillStatus } from '../../domain/schemas/bills.js';

const { unused, inUse, used, booked } = EXPENSE_STATUS;
const BY_BILL_STATUS: Readonly<Record<BillStatus, ExpenseStatus>> = {
  draft: inUse,
  submitted: inUse,
  approved: inUse,
  paid: used,
  booked,
  rejected: unused,
  discarded: unused,
};

export const expenseStatusForBill = (billStatus: BillStatus): ExpenseStatus =>
  BY_BILL_STATUS[billStatus];
