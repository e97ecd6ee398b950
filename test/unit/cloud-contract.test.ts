import {
  EXPENSE_STATUS,
  FINAL_CODES,
  invoiceStatusLabel,
  invoiceTypeLabel,
  readPushMessage,
  RETRYABLE_CODES,
} from '#shared/adapters/cloud/contract.js';
import { cloudInvoiceSchema, invoiceTypeSchema } from '#shared/domain/schemas/cloud.js';
import { expenseStatusForBill } from '#shared/use-cases/writeback/expense-status.js';
import { generateInvoice } from '#simulator/data.js';

describe('the v2 contract module', () => {
  it('names invoice types and statuses in Chinese and English, keeping unknown codes', () => {
    expect(invoiceTypeLabel(26)).toEqual({
      code: 26,
      zh: '数电普票',
      en: 'fully digital invoice (ordinary)',
      known: true,
    });
    expect(invoiceTypeLabel(1).en).toBe('e-invoice (ordinary)');
    expect(invoiceTypeLabel(77)).toEqual({
      code: 77,
      zh: '未知代码 77',
      en: 'unknown code 77',
      known: false,
    });
    expect([0, 1, 2, 3, 4].map((c) => invoiceStatusLabel(c).en)).toEqual([
      'normal',
      'out of control',
      'voided',
      'red-flushed',
      'abnormal',
    ]);
    expect(invoiceStatusLabel(3).zh).toBe('红冲');
    expect(invoiceStatusLabel(9).known).toBe(false);
  });

  it('invoiceType: the numeric code; a numeric string is coerced; unknown codes kept', () => {
    expect(invoiceTypeSchema.parse(27)).toBe(27);
    expect(invoiceTypeSchema.parse('026')).toBe(26);
    expect(invoiceTypeSchema.parse(999)).toBe(999);
    expect(invoiceTypeSchema.safeParse('digital').success).toBe(false);
    expect(invoiceTypeSchema.safeParse(2.5).success).toBe(false);
    const rec = generateInvoice(
      {
        taxNo: '91330100MA27XK1234',
        orgName: 'x',
        kind: 'input',
        count: 1,
        seed: 1,
        endDate: '2024-07-22',
        days: 1,
        phones: [],
      },
      0,
    );
    expect(cloudInvoiceSchema.parse({ ...rec, invoiceType: '27' }).invoiceType).toBe(27);
  });

  it('use status per bill status, and the retry classes of the codes', () => {
    expect((['draft', 'submitted', 'approved'] as const).map(expenseStatusForBill)).toEqual(
      Array(3).fill(EXPENSE_STATUS.inUse),
    );
    expect(
      (['paid', 'booked', 'rejected', 'discarded'] as const).map(expenseStatusForBill),
    ).toEqual(['60', '65', '1', '1']);
    expect([...RETRYABLE_CODES].sort()).toEqual(['1307', '1429', '9999']);
    expect([...FINAL_CODES].sort()).toEqual(['1001', '1101', '1200', '1301', '1404', '1409']);
  });

  it('reads a push message; a poll answer without a msgId is not one', () => {
    const wire = {
      msgId: 'm1',
      eventType: 'E',
      data: { invoiceSerialNos: 'a,b', invoiceTag: 't' },
    };
    expect(readPushMessage(wire)).toEqual({
      msgId: 'm1',
      eventType: 'E',
      serialNos: ['a', 'b'],
      invoiceTag: 't',
    });
    expect(readPushMessage({ data: {} })).toBeNull();
    expect(readPushMessage(null)).toBeNull();
  });
});
