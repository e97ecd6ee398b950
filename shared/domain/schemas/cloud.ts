import * as z from 'zod';
import { isCalendarDate } from '../time/cst.js';

/** Shapes of the invoice cloud's records (INVOICE_CLOUD_API.md, "Invoice record"). */
const decimal = z.string().regex(/^-?\d+(\.\d{1,2})?$/, 'a decimal string with at most 2 places');
const cloudTime = z.string().regex(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/, 'yyyy-MM-dd HH:mm:ss');
/**
 * Bounds (security review M1): no field grows without limit, and one push or page cannot fan out
 * without limit (a link lookup per collector). A long goods list is legitimate: a record too large
 * for one item is stored compressed or counted failed (see packLarge), never fatal.
 */
export const RECORD_BOUNDS = { items: 10_000, users: 50, invoiceFiles: 50, text: 1000 } as const;
/** A short free-text field: names, codes, units (`n` characters at most). */
const text = (n: number) => z.string().max(n);

export const cloudItemSchema = z.object({
  name: text(300),
  spec: text(200).nullish(),
  unit: text(50).nullish(),
  quantity: text(40).nullish(),
  unitPrice: text(40).nullish(),
  amount: decimal,
  taxRate: text(40).nullish(),
  taxAmount: decimal.nullish(),
});

export const cloudUserSchema = z.object({ phone: text(32), name: text(200).nullish() });

/**
 * An attachment URL is served back to the expense UI as a link (security review L6): `https:` with
 * a host and no user info only (`javascript:`, `data:`, `http:` and `https://bank@evil` refused).
 */
const isHttpsUrl = (s: string): boolean => {
  try {
    const u = new URL(s);
    return u.protocol === 'https:' && u.hostname !== '' && !u.username && !u.password;
  } catch {
    return false;
  }
};
const HTTPS_URL = 'an https: URL (javascript:, data:, http: and user info are refused)';

/**
 * A link that is not https is never stored nor served (L6), but it does not cost the invoice or
 * the attachment: `url` becomes null (upsert notes it per record, see `droppedUrls`).
 */
const httpsOrNull = text(2048)
  .nullish()
  .transform((u) => (u == null || isHttpsUrl(u) ? u : null));
/** A list the contract allows to be null: null or absent is the empty list. */
const list = <T extends z.ZodType>(of: T, max: number) =>
  z
    .array(of)
    .max(max)
    .nullish()
    .transform((v) => v ?? []);

export const cloudFileSchema = z.object({
  fileId: text(128).min(1),
  fileName: text(255),
  fileType: text(64).nullish(),
  /** Bytes; a numeric string ("2048") is accepted and coerced. */
  fileSize: z
    .union([
      z.number().int().nonnegative(),
      z
        .string()
        .regex(/^\d{1,15}$/, 'a byte count')
        .transform(Number),
    ])
    .nullish(),
  url: httpsOrNull,
});

/** Paths of the attachment links of a raw record that were not https (nulled, not stored). */
export const droppedUrls = (raw: unknown, parsed: CloudInvoice): string[] => {
  const files = (raw as { invoiceFiles?: unknown } | null)?.invoiceFiles;
  if (!Array.isArray(files)) return [];
  return parsed.invoiceFiles.flatMap((f, i) => {
    const given = (files[i] as { url?: unknown } | null)?.url;
    return f.url === null && typeof given === 'string' && given !== ''
      ? [`invoiceFiles.${i}.url: ${HTTPS_URL}; the link is not stored`]
      : [];
  });
};

/** A real calendar date `yyyy-MM-dd` (no 2024-02-30): face edits through our API. */
export const calendarDate = z.string().refine(isCalendarDate, 'a real calendar date yyyy-MM-dd');

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
  /** The empty string some clouds send for "no code" is null. */
  invoiceCode: z.preprocess(
    (v) => (v === '' ? null : v),
    z
      .string()
      .regex(/^\d{10,12}$/)
      .nullish(),
  ),
  invoiceNo: z.string().regex(/^(\d{8}|\d{20})$/, '8 or 20 digits'),
  /** Kept as given even when no real date (2024-02-30): the cloud's record is not ours to drop. */
  invoiceDate: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
  salerName: text(200).nullish(),
  salerTaxNo: text(64).nullish(),
  buyerName: text(200).nullish(),
  buyerTaxNo: text(64).nullish(),
  invoiceAmount: decimal,
  totalTaxAmount: decimal,
  totalAmount: decimal,
  items: list(cloudItemSchema, RECORD_BOUNDS.items),
  checkStatus: z.number().int(),
  expendStatus: z.number().int(),
  /** 0 normal, 1 out of control, 2 voided, 3 red-flushed, 4 abnormal; unknown codes kept. */
  invoiceStatus: z.number().int(),
  deductionFlag: z.number().int().nullish(),
  entryAmount: decimal.nullish(),
  outputAmount: decimal.nullish(),
  outputReason: text(RECORD_BOUNDS.text).nullish(),
  invoiceTag: text(RECORD_BOUNDS.text).nullish(),
  orderNo: text(64).nullish(),
  billNo: text(64).nullish(),
  users: list(cloudUserSchema, RECORD_BOUNDS.users),
  invoiceFiles: list(cloudFileSchema, RECORD_BOUNDS.invoiceFiles),
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
