import {
  BatchWriteCommand,
  PutCommand,
  QueryCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import { ConditionFailed, isConditionFailure } from '../errors.js';
import { mergePartition, type CloudItem, type EditItem, type Invoice } from '../invoices/merge.js';
import type { Kind } from '../schemas/cloud.js';
import { batchGetAll, decodeCursor, encodeCursor, putIfAbsent } from './dynamo.js';
import { invoiceKey } from './keys.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** BatchWriteItem requests in flight per page (measured in bench/: the emulator's write rate flattens past this). */
export const WRITE_CONCURRENCY = 8;

export interface PoolFilter {
  hideUnused: boolean;
  hideUnchecked: boolean;
  expendStatus?: number | undefined;
  checkStatus?: number | undefined;
}

/** The invoice pool table. */
export const makeInvoiceStore = (db: DynamoDBDocumentClient, table: string) => {
  /** BatchWriteItem in chunks of 25, `concurrency` in flight, unprocessed items retried with backoff. */
  const batchPut = async (
    items: Record<string, unknown>[],
    concurrency = WRITE_CONCURRENCY,
  ): Promise<void> => {
    const chunks: Record<string, unknown>[][] = [];
    for (let i = 0; i < items.length; i += 25) chunks.push(items.slice(i, i + 25));
    const worker = async () => {
      for (let chunk = chunks.shift(); chunk; chunk = chunks.shift()) {
        let requests = chunk.map((Item) => ({ PutRequest: { Item } }));
        for (let attempt = 0; requests.length; attempt++) {
          if (attempt > 0) await sleep(Math.min(2000, 50 * 2 ** attempt) * Math.random());
          if (attempt > 10) throw new Error(`DynamoDB kept ${requests.length} writes unprocessed`);
          const res = await db.send(new BatchWriteCommand({ RequestItems: { [table]: requests } }));
          requests = (res.UnprocessedItems?.[table] ?? []) as typeof requests;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, chunks.length) }, worker));
  };

  const queryAll = async (
    input: ConstructorParameters<typeof QueryCommand>[0],
  ): Promise<Record<string, unknown>[]> => {
    const out: Record<string, unknown>[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await db.send(new QueryCommand({ ...input, ExclusiveStartKey: start }));
      out.push(...(page.Items ?? []));
      start = page.LastEvaluatedKey;
    } while (start);
    return out;
  };

  /** Every item of one invoice's partition (cloud copy, local edit, attachment bindings). */
  const partition = (orgId: string, kind: Kind, serialNo: string) =>
    queryAll({
      TableName: table,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': invoiceKey.pk(orgId, kind, serialNo) },
      ConsistentRead: true,
    });

  return {
    batchPut,

    /** The cloud copies of these serials that exist (for carrying non-synced fields over). */
    async getCloudMany(
      orgId: string,
      kind: Kind,
      serials: string[],
    ): Promise<Map<string, CloudItem>> {
      const items = await batchGetAll(
        db,
        table,
        serials.map((s) => ({ pk: invoiceKey.pk(orgId, kind, s), sk: invoiceKey.cloud })),
      );
      return new Map(items.map((it) => [it.serialNo as string, it as unknown as CloudItem]));
    },

    /** One invoice, merged (cloud copy + local edit + attachment bindings). */
    async get(orgId: string, kind: Kind, serialNo: string): Promise<Invoice | undefined> {
      return mergePartition(await partition(orgId, kind, serialNo));
    },

    async getRaw(
      orgId: string,
      kind: Kind,
      serialNo: string,
    ): Promise<{ cloud?: CloudItem; edit?: EditItem }> {
      const items = await partition(orgId, kind, serialNo);
      return {
        cloud: items.find((i) => i.sk === 'CLOUD') as CloudItem | undefined,
        edit: items.find((i) => i.sk === 'EDIT') as EditItem | undefined,
      };
    },

    /** Write a local face edit: created once, then replaced only from the version read. */
    async putEdit(item: EditItem, expectedVersion: number | null): Promise<void> {
      try {
        await db.send(
          new PutCommand({
            TableName: table,
            Item: {
              ...item,
              gsi1pk: item.pk.replace(/^INV#([^#]+)#([^#]+)#.*$/, 'POOL#$1#$2'),
              gsi1sk: invoiceKey.gsi1sk(item.pk.split('#').slice(3).join('#'), 'EDIT'),
            },
            ConditionExpression:
              expectedVersion === null ? 'attribute_not_exists(pk)' : 'version = :v',
            ExpressionAttributeValues:
              expectedVersion === null ? undefined : { ':v': expectedVersion },
          }),
        );
      } catch (e) {
        if (isConditionFailure(e))
          throw new ConditionFailed('the invoice was edited meanwhile; read it again and retry');
        throw e;
      }
    },

    /** Bind an attachment to a user once; an attachment already bound keeps its user. */
    bindAttachment: (pk: string, fileId: string, userId: string, at: string): Promise<boolean> =>
      putIfAbsent(db, table, { pk, sk: invoiceKey.attachment(fileId), userId, boundAt: at }),

    /** An org's pool, by serial number, display flags applied, cloud and edit items merged. */
    async list(
      orgId: string,
      kind: Kind,
      f: PoolFilter,
      limit: number,
      cursor?: string,
    ): Promise<{ items: Invoice[]; nextCursor: string | null }> {
      const filters: string[] = [];
      const values: Record<string, unknown> = { ':pk': invoiceKey.gsi1pk(orgId, kind) };
      // EDIT items carry no status fields, so every filter lets them through; they are dropped with their cloud copy.
      const where = (attr: string, op: '=' | '<>', name: string, value: number) => {
        filters.push(`(attribute_not_exists(${attr}) OR ${attr} ${op} ${name})`);
        values[name] = value;
      };
      if (f.hideUnused) where('expendStatus', '<>', ':unused', 1);
      if (f.hideUnchecked) where('checkStatus', '<>', ':unchecked', 3);
      if (f.expendStatus !== undefined) where('expendStatus', '=', ':es', f.expendStatus);
      if (f.checkStatus !== undefined) where('checkStatus', '=', ':cs', f.checkStatus);
      const groups: Record<string, unknown>[][] = [];
      let start = decodeCursor(cursor);
      for (;;) {
        const page = await db.send(
          new QueryCommand({
            TableName: table,
            IndexName: 'gsi1',
            KeyConditionExpression: 'gsi1pk = :pk',
            FilterExpression: filters.join(' AND ') || undefined,
            ExpressionAttributeValues: values,
            ExclusiveStartKey: start,
            Limit: 2 * limit + 2,
          }),
        );
        for (const it of page.Items ?? []) {
          const last = groups[groups.length - 1];
          if (last && last[0]!.pk === it.pk) last.push(it);
          else groups.push([it]);
        }
        start = page.LastEvaluatedKey;
        const complete = groups.filter((g) => g.some((i) => i.sk === 'CLOUD'));
        if (complete.length > limit || !start) break;
      }
      const merged: { inv: Invoice; last: Record<string, unknown> }[] = [];
      for (const g of groups) {
        const inv = mergePartition(g);
        if (inv) merged.push({ inv, last: g[g.length - 1]! });
      }
      const more = merged.length > limit || start !== undefined;
      const page = merged.slice(0, limit);
      const tail = page[page.length - 1]?.last;
      return {
        items: page.map((m) => m.inv),
        nextCursor:
          more && tail
            ? encodeCursor({ pk: tail.pk, sk: tail.sk, gsi1pk: tail.gsi1pk, gsi1sk: tail.gsi1sk })
            : null,
      };
    },

    /** Serial numbers in the pool for an org/kind, for one CST day of `updateTime` or for everything. */
    async serials(orgId: string, kind: Kind, day?: string): Promise<string[]> {
      const items = day
        ? await queryAll({
            TableName: table,
            IndexName: 'gsi3',
            KeyConditionExpression: 'gsi3pk = :pk',
            ExpressionAttributeValues: { ':pk': invoiceKey.gsi3pk(orgId, kind, day) },
            ProjectionExpression: 'serialNo',
          })
        : await queryAll({
            TableName: table,
            IndexName: 'gsi1',
            KeyConditionExpression: 'gsi1pk = :pk',
            FilterExpression: 'sk = :c',
            ExpressionAttributeValues: { ':pk': invoiceKey.gsi1pk(orgId, kind), ':c': 'CLOUD' },
            ProjectionExpression: 'serialNo',
          });
      return items.map((i) => i.serialNo as string);
    },

    /** Invoices carrying this invoice number (any org); callers filter further. */
    async findByNumber(invoiceNo: string): Promise<Invoice[]> {
      const items = await queryAll({
        TableName: table,
        IndexName: 'gsi2',
        KeyConditionExpression: 'gsi2pk = :pk',
        ExpressionAttributeValues: { ':pk': invoiceKey.gsi2pk(invoiceNo) },
      });
      return items.map((i) => mergePartition([i])).filter((i): i is Invoice => i !== undefined);
    },
  };
};
export type InvoiceStore = ReturnType<typeof makeInvoiceStore>;
