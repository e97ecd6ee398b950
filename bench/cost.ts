/**
 * Cost figures for docs/cost.md: one full sync with personal folders on (the product's path, in its
 * own process), then every item it wrote is scanned and sized the way DynamoDB bills it (UTF-8
 * attribute names + values; numbers ≈ their digits). Prints bytes per item kind, write units per
 * invoice (base table, and each index entry as tables.ts projects it, beside what ALL would
 * cost).
 */
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { localClientConfig } from '#local/dynamo-local.js';
import { createDocClient } from '#shared/adapters/dynamo/dynamo.js';
import {
  localTableNames,
  TABLES,
  type IndexDef,
  type TableKey,
} from '#shared/adapters/dynamo/tables.js';
import { child } from './common.js';
import { dropTables } from './bench-stack.js';
import { itemSize, writeUnits } from './item-size.js';

interface KindFigures {
  items: number;
  wcuPerWrite: number;
  indexEntries: number;
  gsiWcuAll: number;
  gsiWcu: number;
}

const kindOf = (table: TableKey, sk: string) =>
  `${table}:${sk.split('#')[0]!.replace(/[0-9]+$/, '')}`;

export const benchCost = async (
  endpoint: string,
  simUrl: string,
  o: { log: (s: string) => void },
) => {
  const prefix = `cost${Date.now().toString(36)}`;
  const run = (await child('./sync-child.ts', ['cost', endpoint, simUrl, prefix]).first) as {
    count: number;
  };
  const db = createDocClient(localClientConfig(endpoint));
  const names = localTableNames(prefix);
  const kinds = new Map<string, KindFigures & { bytes: number }>();
  for (const table of ['invoices', 'links'] as const) {
    let start: Record<string, unknown> | undefined;
    do {
      const page = await db.send(
        new ScanCommand({ TableName: names[table], ExclusiveStartKey: start }),
      );
      for (const i of page.Items ?? []) {
        const k = kindOf(table, String(i.sk));
        const f = kinds.get(k) ?? {
          items: 0,
          bytes: 0,
          wcuPerWrite: 0,
          indexEntries: 0,
          gsiWcuAll: 0,
          gsiWcu: 0,
        };
        const indexes = TABLES[table].indexes as readonly IndexDef[];
        const w = writeUnits(i, indexes);
        f.items++;
        f.bytes += itemSize(i);
        f.wcuPerWrite += w.base;
        f.indexEntries += w.entries;
        f.gsiWcuAll += writeUnits(i, indexes, true).index;
        f.gsiWcu += w.index;
        kinds.set(k, f);
      }
      start = page.LastEvaluatedKey;
    } while (start);
  }
  const perKind = Object.fromEntries(
    [...kinds].map(([k, f]) => [
      k,
      {
        items: f.items,
        avgBytes: Math.round(f.bytes / f.items),
        wcuPerWrite: f.wcuPerWrite / f.items,
        indexEntriesPerItem: f.indexEntries / f.items,
        gsiWcuPerWriteAll: f.gsiWcuAll / f.items,
        gsiWcuPerWrite: f.gsiWcu / f.items,
      },
    ]),
  );
  const per = (pick: (f: KindFigures & { bytes: number }) => number) =>
    [...kinds.values()].reduce((s, f) => s + pick(f), 0) / run.count;
  const result = {
    invoices: run.count,
    perKind,
    perInvoice: {
      bytesStored: Math.round(per((f) => f.bytes)),
      baseWcu: per((f) => f.wcuPerWrite),
      gsiWcuAll: per((f) => f.gsiWcuAll),
      gsiWcu: per((f) => f.gsiWcu),
    },
  };
  for (const [k, f] of Object.entries(perKind)) {
    const all = f.gsiWcuPerWriteAll.toFixed(2);
    const index = `${f.gsiWcuPerWrite.toFixed(2)} as projected (${all} if ALL)`;
    const bytes = `${f.items} items, ${f.avgBytes} B avg`;
    o.log(`COST ${k}: ${bytes}, ${f.wcuPerWrite.toFixed(2)} WCU/write + index ${index}`);
  }
  await dropTables(endpoint, prefix);
  db.destroy();
  return result;
};
