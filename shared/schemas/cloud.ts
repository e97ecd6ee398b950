import * as z from 'zod';

/** Shapes of the invoice cloud's records (INVOICE_CLOUD_API.md, "Invoice record"). */
const decimal = z.string().regex(/^-?\d+(\.\d{1,2})?$/, 'a decimal string with at most 2 places');
const cloudTime = z.string().regex(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/, 'yyyy-MM-dd HH:mm:ss');

export const cloudItemSchema = z.object({
  name: z.string(),
  spec: z.string().nullish(),
  unit: z.string().nullish(),
  quantity: z.string().nullish(),
  unitPrice: z.string().nullish(),
  amount: decimal,
  taxRate: z.string().nullish(),
  taxAmount: decimal.nullish(),
});

export const cloudUserSchema = z.object({ phone: z.string(), name: z.string().nullish() });

export const cloudFileSchema = z.object({
  fileId: z.string().min(1),
  fileName: z.string(),
  fileType: z.string().nullish(),
  fileSize: z.number().int().nonnegative().nullish(),
  url: z.string().nullish(),
});

/**
 * The vendor's numeric invoice type code (26/27 fully digital, 1/2 e-invoices, …; contract.ts names
 * them). Unknown codes are kept. A numeric string ("26", "026") is accepted defensively and
 * coerced.
 */
export const invoiceTypeSchema = z.union([
  z.number().int().nonnegative(),
  z
    .string()
    .regex(/^\d{1,6}$/, 'a numeric invoice type code')
    .transform(Number),
]);

export const cloudInvoiceSchema = z.object({
  serialNo: z.string().min(1).max(128),
  invoiceType: invoiceTypeSchema,
  invoiceCode: z
    .string()
    .regex(/^\d{10,12}$/)
    .nullish(),
  invoiceNo: z.string().regex(/^(\d{8}|\d{20})$/, '8 or 20 digits'),
  invoiceDate: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
  salerName: z.string().nullish(),
  salerTaxNo: z.string().nullish(),
  buyerName: z.string().nullish(),
  buyerTaxNo: z.string().nullish(),
  invoiceAmount: decimal,
  totalTaxAmount: decimal,
  totalAmount: decimal,
  items: z.array(cloudItemSchema).default([]),
  checkStatus: z.number().int(),
  expendStatus: z.number().int(),
  /** 0 normal, 1 out of control, 2 voided, 3 red-flushed, 4 abnormal; unknown codes kept. */
  invoiceStatus: z.number().int(),
  deductionFlag: z.number().int().nullish(),
  entryAmount: decimal.nullish(),
  outputAmount: decimal.nullish(),
  outputReason: z.string().nullish(),
  invoiceTag: z.string().nullish(),
  orderNo: z.string().nullish(),
  billNo: z.string().nullish(),
  users: z.array(cloudUserSchema).default([]),
  invoiceFiles: z.array(cloudFileSchema).default([]),
  billCreateTime: cloudTime.nullish(),
  updateTime: cloudTime,
});
export type CloudInvoice = z.infer<typeof cloudInvoiceSchema>;
export type CloudFile = z.infer<typeof cloudFileSchema>;

export const KINDS = ['input', 'output'] as const;
export const kindSchema = z.enum(KINDS);
export type Kind = z.infer<typeof kindSchema>;

/** Face fields: what a local edit freezes when `modified` is true. */
export const FACE_FIELDS = [
  'invoiceType',
  'invoiceCode',
  'invoiceNo',
  'invoiceDate',
  'salerName',
  'salerTaxNo',
  'buyerName',
  'buyerTaxNo',
  'invoiceAmount',
  'totalTaxAmount',
  'totalAmount',
  'items',
] as const;
export type FaceField = (typeof FACE_FIELDS)[number];

/** Fields an operator may exclude from sync (`nonSyncFields`, seed `rim_config_nonsync_fields`). */
export const NON_SYNCABLE_FIELDS = [
  'entryAmount',
  'outputAmount',
  'deductionFlag',
  'outputReason',
] as const;
export type NonSyncField = (typeof NON_SYNCABLE_FIELDS)[number];
