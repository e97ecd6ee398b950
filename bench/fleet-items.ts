/**
 * Write units per invoice from the pool as a sync left it: DynamoDB's item-size rules
 * (item-size.ts) over a sample of the invoices table, for the item and each index entry as
 * tables.ts projects it.
 */
import { ScanCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { TABLES } from '#shared/adapters/dynamo/tables.js';
import { itemSize, writeUnits } from './item-size.js';

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
    const w = writeUnits(item, TABLES.invoices.indexes);
    bytes += itemSize(item);
    wru += w.base + w.index;
  }
  return {
    items: items.length,
    bytesPerItem: items.length ? bytes / items.length : 0,
    itemsPerInvoice: items.length / invoices,
    wruPerInvoice: wru / invoices,
  };
};
