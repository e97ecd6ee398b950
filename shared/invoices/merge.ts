/**
 * The overwrite rule. The cloud's copy (CLOUD item) is always written whole by a sync; a local face
 * edit lives in its own EDIT item beside it. On read, an EDIT item's face fields win and `modified`
 * is true, while status fields, `annotation` and links always come from the cloud's copy. So a sync
 * never needs to read before it writes, and a face edit racing a sync can never be lost.
 */
import { gunzipSync, gzipSync } from 'node:zlib';
import {
  cloudInvoiceSchema,
  FACE_FIELDS,
  type CloudFile,
  type CloudInvoice,
  type Kind,
} from '../schemas/cloud.js';
import { invoiceIdOf, invoiceKey } from '../store/keys.js';

type Face = Pick<CloudInvoice, (typeof FACE_FIELDS)[number]>;

export interface CloudItem extends Omit<CloudInvoice, 'invoiceTag' | 'invoiceFiles' | 'users'> {
  pk: string;
  sk: 'CLOUD';
  invoiceId: string;
  orgId: string;
  type: Kind;
  annotation: string | null;
  attachments: CloudFile[];
  createdAt: string;
  updatedAt: string;
}
export interface EditItem extends Face {
  pk: string;
  sk: 'EDIT';
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
export type Invoice = Omit<CloudItem, 'pk' | 'sk' | 'attachments'> & {
  modified: boolean;
  attachments: Attachment[];
};

const cstToIso = (t: string | null | undefined, fallback: string): string =>
  t ? new Date(`${t.replace(' ', 'T')}+08:00`).toISOString() : fallback;

/** A validated cloud record as the pool stores it. */
export const toCloudItem = (
  orgId: string,
  kind: Kind,
  r: CloudInvoice,
  at: string,
): CloudItem & Record<string, unknown> => {
  const { invoiceTag, invoiceFiles, users: _users, ...fields } = r;
  // Computed keys first, record fields spread last: ~10× faster in V8 than adding keys after a
  // large spread (bench/: this mapping was the sync's largest CPU cost). Validated records carry no
  // keys of these names.
  return {
    pk: invoiceKey.pk(orgId, kind, r.serialNo),
    sk: 'CLOUD',
    gsi1pk: invoiceKey.gsi1pk(orgId, kind),
    gsi1sk: invoiceKey.gsi1sk(r.serialNo, 'CLOUD'),
    gsi2pk: invoiceKey.gsi2pk(r.invoiceNo),
    gsi2sk: invoiceKey.gsi2sk(orgId, r.serialNo),
    gsi3pk: invoiceKey.gsi3pk(orgId, kind, r.updateTime.slice(0, 10)),
    gsi3sk: invoiceKey.gsi3sk(r.serialNo),
    invoiceId: invoiceIdOf(orgId, kind, r.serialNo),
    orgId,
    type: kind,
    annotation: invoiceTag ?? null,
    attachments: invoiceFiles,
    createdAt: cstToIso(r.billCreateTime, at),
    updatedAt: at,
    ...fields,
  };
};

/**
 * Past this size (UTF-8 JSON, an upper bound of DynamoDB's count) a record's long lists travel
 * compressed.
 */
const PACK_OVER_BYTES = 300_000;
/** DynamoDB refuses items over 400 KB; keep a margin for attribute overhead. */
const ITEM_LIMIT_BYTES = 390_000;
/** Lists that can grow without bound (a goods list, 销货清单, runs to thousands of lines). */
const PACKED_FIELDS = ['items', 'attachments'] as const;
/**
 * Below this many list entries the size is not measured (the write path's per-item retry guards the
 * rest).
 */
const MEASURE_OVER_ENTRIES = 100;

const jsonBytes = (v: unknown): number => Buffer.byteLength(JSON.stringify(v), 'utf8');

/**
 * An item as DynamoDB can store it: a large one gets `items` and `attachments` moved into one
 * gzip Binary attribute `packed` (read back by `unpack`); undefined when even that does not fit.
 */
export const packLarge = <T extends Record<string, unknown>>(item: T): T | undefined => {
  const entries = PACKED_FIELDS.reduce(
    (n, f) => n + (Array.isArray(item[f]) ? (item[f] as unknown[]).length : 0),
    0,
  );
  if (entries <= MEASURE_OVER_ENTRIES || jsonBytes(item) <= PACK_OVER_BYTES) return item;
  const rest: Record<string, unknown> = { ...item };
  const moved: Record<string, unknown> = {};
  for (const f of PACKED_FIELDS)
    if (f in rest) {
      moved[f] = rest[f];
      delete rest[f];
    }
  const packed = gzipSync(JSON.stringify(moved));
  if (jsonBytes(rest) + packed.length > ITEM_LIMIT_BYTES) return undefined;
  return { ...rest, packed } as unknown as T;
};

/**
 * The item with its packed lists restored (items written by `packLarge`); other items unchanged.
 */
export const unpack = <T extends object>(item: T): T => {
  const { packed, ...rest } = item as T & { packed?: Uint8Array };
  if (!packed) return item;
  return { ...rest, ...(JSON.parse(gunzipSync(packed).toString('utf8')) as object) } as T;
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

/** Merge the items of one invoice partition into the API shape (fields in reply order). */
export const mergeInvoice = (
  cloudItem: CloudItem,
  editItem?: EditItem,
  binds: Record<string, string> = {},
): Invoice => {
  const cloud = unpack(cloudItem);
  const edit = editItem && unpack(editItem);
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
      userId: binds[f.fileId] ?? null,
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

/**
 * Group the items of one partition (Query result) and merge; undefined when there is no cloud copy.
 */
export const mergePartition = (items: Record<string, unknown>[]): Invoice | undefined => {
  const cloud = items.find((i) => i.sk === 'CLOUD') as CloudItem | undefined;
  if (!cloud) return undefined;
  const edit = items.find((i) => i.sk === 'EDIT') as EditItem | undefined;
  const binds = Object.fromEntries(
    items
      .filter((i) => String(i.sk).startsWith('ATT#'))
      .map((i) => [String(i.sk).slice(4), i.userId as string]),
  );
  return mergeInvoice(cloud, edit, binds);
};

/** The face as it reads now (edit over cloud): what a new edit starts from. */
export const currentFace = (cloud: CloudItem, edit?: EditItem): Face => {
  const from: Face = edit ? unpack(edit) : unpack(cloud);
  return Object.fromEntries(FACE_FIELDS.map((f) => [f, from[f]])) as Face;
};
