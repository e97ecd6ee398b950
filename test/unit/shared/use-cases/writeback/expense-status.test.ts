import { EXPENSE_STATUS } from '#shared/adapters/cloud/contract.js';
import { expenseStatusForBill } from '#shared/use-cases/writeback/expense-status.js';

describe('the use status a bill status maps to', () => {
  it.each([
    ['draft', EXPENSE_STATUS.inUse],
    ['submitted', EXPENSE_STATUS.inUse],
    ['approved', EXPENSE_STATUS.inUse],
    ['paid', EXPENSE_STATUS.used],
    ['booked', EXPENSE_STATUS.booked],
    ['rejected', EXPENSE_STATUS.unused],
    ['discarded', EXPENSE_STATUS.unused],
  ] as const)('%s → %s', (bill, expected) => {
    expect(expenseStatusForBill(bill)).toBe(expected);
  });
});
