/**
 * The overwrite rule. The cloud's copy of a record is always written whole by a sync; a local face
 * edit lives beside it. On read, the edit's face fields win and `modified` is true, while status
 * fields, `annotation` and links always come from the cloud's copy. So a sync never needs to read
 * before it writes, and a face edit racing a sync can never be lost. Pure: how the copies are
 * stored (keys, compression) is the invoice store's business (`store/invoice-items.ts`).
 */
import {
  cloudInvoiceSchema,
  FACE_FIELDS,
  type CloudFile,
  type CloudInvoice,
  type Kind,
} from '../schemas/cloud.js';

export type Face = Pick<CloudInvoice, (typeof FACE_FIELDS)[number]>;

/** A cloud record as the pool keeps it (its lists unpacked, no storage keys). */
export interface PooledRecord extends Omit<CloudInvoice, 'invoiceTag' | 'invoiceFiles' | 'users'> {
  invoiceId: string;
  orgId: string;
  type: Kind;
  annotation: string | null;
  attachments: CloudFile[];
  createdAt: string;
  updatedAt: string;
}
/** A local face edit, versioned: each edit is written from the version it read. */
export interface FaceEdit extends Face {
  editedBy: string;
  version: number;
  updatedAt: string;
}
export interface Attachment {
  attachmentId: string;
  fileName: string;
  fileType: string | null;
  fileSize: number | null;
  url: string | null;
  userId: string | null;
}
export type Invoice = Omit<PooledRecord, 'attachments'> & {
  modified: boolean;
  attachments: Attachment[];
};

/** Cloud record fields an invoice reply carries, in the cloud contract's order. */
const RECORD_FIELDS = Object.keys(cloudInvoiceSchema.shape).filter(
  (f) => f !== 'invoiceTag' && f !== 'invoiceFiles' && f !== 'users',
) as (keyof CloudInvoice)[];
/**
 * The API's invoice fields in their documented order (SPEC §4.1): identity, the cloud's record,
 * our own fields. Built by name, so keys, index attributes and anything internal never leak.
 */
export const INVOICE_REPLY_FIELDS = [
  'invoiceId',
  'orgId',
  'type',
  ...RECORD_FIELDS,
  'annotation',
  'modified',
  'attachments',
  'createdAt',
  'updatedAt',
] as const;

/**
 * Merge the items of one invoice partition into the API shape (fields in reply order). `owner`:
 * the invoice's first collector, to whom every attachment of it is bound (none: unbound).
 */
export const mergeInvoice = (cloud: PooledRecord, edit?: FaceEdit, owner?: string): Invoice => {
  const face: Record<string, unknown> = edit
    ? Object.fromEntries(FACE_FIELDS.map((f) => [f, edit[f]]))
    : {};
  const computed: Record<string, unknown> = {
    modified: edit !== undefined,
    updatedAt: edit && edit.updatedAt > cloud.updatedAt ? edit.updatedAt : cloud.updatedAt,
    attachments: cloud.attachments.map((f) => ({
      attachmentId: f.fileId,
      fileName: f.fileName,
      fileType: f.fileType ?? null,
      fileSize: f.fileSize ?? null,
      url: f.url ?? null,
      userId: owner ?? null,
    })),
  };
  const source = cloud as unknown as Record<string, unknown>;
  const reply: Record<string, unknown> = {};
  for (const f of INVOICE_REPLY_FIELDS) {
    const v = f in computed ? computed[f] : f in face ? face[f] : source[f];
    if (v !== undefined) reply[f] = v;
  }
  return reply as Invoice;
};

/** The face as it reads now (edit over cloud): what a new edit starts from. */
export const currentFace = (cloud: PooledRecord, edit?: FaceEdit): Face => {
  const from: Face = edit ?? cloud;
  return Object.fromEntries(FACE_FIELDS.map((f) => [f, from[f]])) as Face;
};
