/**
 * How the invoice pool stores a record: the CLOUD item (the cloud's copy, whole, with the index
 * attributes), the EDIT item beside it, FIRSTUSER; long lists gzip-packed to fit DynamoDB's
 * 400 KB. Only the invoice store and the sync's write path use this layout.
 */
import { gunzipSync, gzipSync } from 'node:zlib';
import type { CloudInvoice, Kind } from '../../domain/schemas/cloud.js';
import {
  mergeInvoice,
  type FaceEdit,
  type Invoice,
  type PooledRecord,
} from '../../domain/invoices/overwrite.js';
import { invoiceIdOf, invoiceKey } from './keys.js';

export interface CloudItem extends PooledRecord {
  pk: string;
  sk: 'CLOUD';
}
export interface EditItem extends FaceEdit {
  pk: string;
  sk: 'EDIT';
}

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

/**
 * Group the items of one partition (Query result) and merge; undefined when there is no cloud copy.
 */
export const mergePartition = (items: Record<string, unknown>[]): Invoice | undefined => {
  const cloud = items.find((i) => i.sk === invoiceKey.cloud) as CloudItem | undefined;
  if (!cloud) return undefined;
  const edit = items.find((i) => i.sk === invoiceKey.edit) as EditItem | undefined;
  const owner = items.find((i) => i.sk === invoiceKey.firstUser)?.userId as string | undefined;
  return mergeInvoice(unpack(cloud), edit && unpack(edit), owner);
};
