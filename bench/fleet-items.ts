/**
 * Write units per invoice from the pool as a sync left it: DynamoDB's item-size rules over a sample
 * of the invoices table, one WRU per started KB for the item and for each index it is projected
 * into (KEYS_ONLY / INCLUDE: the keys' KB, so 1).
 */
import { ScanCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { TABLES, type IndexDef } from '#shared/adapters/dynamo/tables.js';

/** DynamoDB's size of a value (names and values in UTF-8, numbers by their digits). */
const valueBytes = (v: unknown): number => {
  if (v === null || typeof v === 'boolean') return 1;
  if (typeof v === 'string') return Buffer.byteLength(v);
  if (typeof v === 'number') return Math.ceil(String(v).replace(/[-.]/g, '').length / 2) + 1;
  if (v instanceof Uint8Array) return v.byteLength;
  if (v instanceof Set)
    return [...(v as Set<unknown>)].reduce<number>((n, x) => n + valueBytes(x), 0);
  if (Array.isArray(v)) return 3 + v.reduce<number>((n, x) => n + 1 + valueBytes(x), 0);
  if (typeof v === 'object') return 3 + itemBytes(v as Record<string, unknown>);
  return 0;
};
export const itemBytes = (item: Record<string, unknown>): number =>
  Object.entries(item).reduce((n, [k, v]) => n + Buffer.byteLength(k) + 1 + valueBytes(v), 0);

const kb = (bytes: number) => Math.max(1, Math.ceil(bytes / 1024));
/** An index's projection, when its definition states one (default ALL). */
const projectsAll = (idx: IndexDef) => {
  const p = (idx as IndexDef & { projection?: unknown }).projection;
  return p === undefined || p === 'ALL';
};

/** Average bytes per item, items per invoice and WRU per invoice over up to `sample` items. */
export const measureInvoiceWrites = async (
  db: DynamoDBDocumentClient,
  table: string,
  sample = 2000,
) => {
  const items: Record<string, unknown>[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const r = await db.send(
      new ScanCommand({ TableName: table, Limit: sample - items.length, ExclusiveStartKey: start }),
    );
    items.push(...(r.Items ?? []));
    start = r.LastEvaluatedKey;
  } while (start && items.length < sample);
  const invoices = new Set(items.map((i) => String(i.pk))).size || 1;
  let bytes = 0;
  let wru = 0;
  for (const item of items) {
    const size = itemBytes(item);
    bytes += size;
    wru += kb(size);
    for (const idx of TABLES.invoices.indexes as readonly IndexDef[])
      if (item[idx.partitionKey] !== undefined) wru += projectsAll(idx) ? kb(size) : 1;
  }
  return {
    items: items.length,
    bytesPerItem: items.length ? bytes / items.length : 0,
    itemsPerInvoice: items.length / invoices,
    wruPerInvoice: wru / invoices,
  };
};
