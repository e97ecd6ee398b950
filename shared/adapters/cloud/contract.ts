/**
 * Every path, wire field name and code of the invoice-cloud contract (INVOICE_CLOUD_API.md, v2), in
 * one module so a deployment that meets a differing vendor page changes this file only. The bill
 * builders produce the vendor's bodies without credentials; the client adds `client_id`,
 * `timestamp`, `sign` and `tin`. Optional fields are sent as `null`, or `""` where the vendor's
 * examples show a string.
 */
import type { Kind } from '../../domain/schemas/cloud.js';

export const CLOUD_PATHS = {
  token: '/base/oauth/token',
  list: (kind: Kind) => `/portal/invoice/${kind}/list`,
  invoicesOfBill: '/m4/fpzs/expense/invoices/query',
  invoiceDetail: '/m4/fpzs/expense/invoice/detail/query',
  billSave: '/m4/fpzs/expense/entry/save',
  billStatus: '/m4/fpzs/expense/invoice/status/update',
  billDelete: '/m4/fpzs/expense/entry/delete',
  pollToken: '/base/fpzs/polling/oauth/token',
  poll: '/polling/fpzs/portal/invoice/data/v2',
  ack: '/polling/fpzs/portal/receipt',
} as const;

/** Wire names outside the bill bodies: credentials, query string, envelopes, push messages. */
export const WIRE = {
  clientId: 'client_id',
  timestamp: 'timestamp',
  sign: 'sign',
  tin: 'tin',
  accessToken: 'access_token',
  expiresIn: 'expires_in',
  reqid: 'reqid',
  taxNo: 'taxNo',
  billNumber: 'billnumber',
  serials: 'fid',
  linkKey: 'key',
  msgId: 'msgId',
  eventType: 'eventType',
  pushSerials: 'invoiceSerialNos',
  invoiceTag: 'invoiceTag',
} as const;

export const CODES = {
  ok: '0000',
  badRequest: '1001',
  badCredentials: '1101',
  missingClientId: '1200',
  tokenInvalid: '1300',
  serialNotOnBill: '1301',
  busy: '1307',
  notFound: '1404',
  conflict: '1409',
  rateLimited: '1429',
  internal: '9999',
} as const;
/** Retried with backoff (1307 "busy / nothing yet" like a 429). */
export const RETRYABLE_CODES: ReadonlySet<string> = new Set(['1307', '1429', '9999']);
/** Definite answers: never retried. */
export const FINAL_CODES: ReadonlySet<string> = new Set([
  '1001',
  '1101',
  '1200',
  '1301',
  '1404',
  '1409',
]);

export const MAX_PAGE_SIZE = 500;

/** The invoice use status (`expenseStatus` on the wire, `expendStatus` on records). */
export const EXPENSE_STATUS = { unused: '1', inUse: '30', used: '60', booked: '65' } as const;
export type ExpenseStatus = (typeof EXPENSE_STATUS)[keyof typeof EXPENSE_STATUS];
export const EXPENSE_STATUSES: readonly ExpenseStatus[] = Object.values(EXPENSE_STATUS);

interface BillRef {
  billNo: string;
  billId: string;
  userId: string;
  dataSource: string;
}
/** The status and delete bodies carry no data source; it may be passed and is not sent. */
type BillKey = Omit<BillRef, 'dataSource'> & { dataSource?: string };
const ref = (b: BillKey) => ({ eid: b.userId, billnumber: b.billNo, bxd_key: b.billId });

/** Save bill: replaces the bill's invoice list. */
export const billSaveBody = (b: BillRef & { forceWrite: boolean; serialNos: string[] }) => ({
  ...ref(b),
  billTypeId: '',
  billType: '',
  userKey: '',
  resource: b.dataSource,
  forceWrite: b.forceWrite,
  data: [{ entryid: '', fid: [...b.serialNos] }],
  remark: null,
  expensePersonId: null,
  expensePersonName: null,
  realExpenseAmount: null,
});
/** Update the use status of invoices on the bill. */
export const billStatusBody = (
  b: BillKey & { expenseStatus: ExpenseStatus; serialNos: string[] },
) => ({
  ...ref(b),
  billTypeId: '',
  userKey: '',
  ticketParam: null,
  expenseStatus: b.expenseStatus,
  invoiceData: b.serialNos.map((serialNo) => ({
    serialNo,
    canBeDeduction: null,
    entryAmount: null,
    outputReason: null,
    outputAmount: null,
  })),
});
export const billDeleteBody = (b: BillKey) => ({
  ...ref(b),
  billType: '',
  userKey: '',
});
export type BillSaveBody = ReturnType<typeof billSaveBody>;
export type BillStatusBody = ReturnType<typeof billStatusBody>;
export type BillDeleteBody = ReturnType<typeof billDeleteBody>;

/** A message of the push channel, as the client hands it on. */
export interface PushMessage {
  msgId: string;
  eventType: string;
  serialNos: string[];
  invoiceTag?: string;
}
/** The poll answer's `data` on the wire. */
export const pushMessageWire = (m: PushMessage) => ({
  [WIRE.msgId]: m.msgId,
  [WIRE.eventType]: m.eventType,
  data: {
    [WIRE.pushSerials]: m.serialNos.join(','),
    ...(m.invoiceTag === undefined ? {} : { [WIRE.invoiceTag]: m.invoiceTag }),
  },
});
/** Reads a poll answer's `data`; null when it is not a message. */
export const readPushMessage = (d: unknown): PushMessage | null => {
  const o = (d ?? {}) as Record<string, unknown>;
  const inner = (o.data ?? {}) as Record<string, unknown>;
  const msgId = o[WIRE.msgId];
  const serials = inner[WIRE.pushSerials];
  if (typeof msgId !== 'string' && typeof msgId !== 'number') return null;
  const tag = inner[WIRE.invoiceTag];
  return {
    msgId: String(msgId),
    eventType: typeof o[WIRE.eventType] === 'string' ? (o[WIRE.eventType] as string) : '',
    serialNos: typeof serials === 'string' ? serials.split(',').filter(Boolean) : [],
    ...(typeof tag === 'string' ? { invoiceTag: tag } : {}),
  };
};

/** A code's name in both languages; unknown codes are kept and named as such, never rejected. */
export interface CodeLabel {
  code: number;
  zh: string;
  en: string;
  known: boolean;
}
type LabelTable = Readonly<Record<number, readonly [zh: string, en: string]>>;

const INVOICE_TYPE_LABELS: LabelTable = {
  1: ['增值税电子普通发票', 'e-invoice (ordinary)'],
  2: ['增值税电子专用发票', 'e-invoice (special)'],
  3: ['增值税普通发票', 'paper invoice (ordinary)'],
  4: ['增值税专用发票', 'paper invoice (special)'],
  5: ['增值税普通发票(卷式)', 'roll invoice'],
  8: ['出租车票', 'taxi receipt'],
  9: ['火车票', 'train ticket'],
  10: ['航空运输电子客票行程单', 'flight itinerary'],
  11: ['其他发票', 'other'],
  12: ['机动车销售统一发票', 'motor vehicle sales invoice'],
  15: ['通行费电子发票', 'toll e-invoice'],
  26: ['数电普票', 'fully digital invoice (ordinary)'],
  27: ['数电专票', 'fully digital invoice (special)'],
  28: ['数电航空运输电子客票行程单', 'fully digital flight itinerary'],
  29: ['数电铁路电子客票', 'fully digital railway ticket'],
  83: ['数电机动车销售发票', 'fully digital vehicle sales invoice'],
  84: ['数电机动车销售发票', 'fully digital vehicle sales invoice'],
};
const INVOICE_STATUS_LABELS: LabelTable = {
  0: ['正常', 'normal'],
  1: ['失控', 'out of control'],
  2: ['作废', 'voided'],
  3: ['红冲', 'red-flushed'],
  4: ['异常', 'abnormal'],
};
const label = (table: LabelTable, code: number): CodeLabel => {
  const l = table[code];
  return l
    ? { code, zh: l[0], en: l[1], known: true }
    : { code, zh: `未知代码 ${code}`, en: `unknown code ${code}`, known: false };
};
export const invoiceTypeLabel = (code: number) => label(INVOICE_TYPE_LABELS, code);
export const invoiceStatusLabel = (code: number) => label(INVOICE_STATUS_LABELS, code);
