import {
  BatchWriteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import { ConditionFailed, isConditionFailure, Unprocessable } from '../../domain/errors.js';
import type { FaceEdit, Invoice } from '../../domain/invoices/overwrite.js';
import {
  mergePartition,
  packLarge,
  unpack,
  type CloudItem,
  type EditItem,
} from './invoice-items.js';
import type { Kind } from '../../domain/schemas/cloud.js';
import { batchGetAll, decodeCursor, encodeCursor, queryAll } from './dynamo.js';
import { invoiceKey } from './keys.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * BatchWriteItem requests in flight per page (measured in bench/: the emulator's write rate
 * flattens past this).
 */
export const WRITE_CONCURRENCY = 8;
/** First-user claims in flight per page (single conditional writes). */
const CLAIM_CONCURRENCY = 16;

/** An invoice's first linked user (FIRSTUSER): whom its attachments are bound to, and when. */
export interface FirstUser {
  userId: string;
  linkedAt: string;
}
/** A first-user claim's outcome: the invoice's first user, and whether this claim created it. */
export interface Claim {
  first: FirstUser | undefined;
  won: boolean;
}

/** An item DynamoDB refused to store, and why. */
export interface RefusedItem {
  item: Record<string, unknown>;
  error: string;
}

/** Pool items one `GET /invoices` request may read (filtered-out ones included). */
export const POOL_READ_CAP = 500;

export interface PoolFilter {
  hideUnused: boolean;
  hideUnchecked: boolean;
  expendStatus?: number | undefined;
  checkStatus?: number | undefined;
}

/** The invoice pool table. */
export const makeInvoiceStore = (db: DynamoDBDocumentClient, table: string) => {
  /** An item DynamoDB refused for what it is (too large), not for load: retrying cannot help. */
  const isRefused = (e: unknown) => (e as Error).name === 'ValidationException';

  /**
   * BatchWriteItem in chunks of 25, `concurrency` in flight, unprocessed items retried with
   * backoff. A chunk refused whole (one item too large fails its 24 neighbours) is re-put item by
   * item; the items DynamoDB still refuses are returned, so the caller counts them instead of
   * failing the page.
   */
  const batchPut = async (
    items: Record<string, unknown>[],
    concurrency = WRITE_CONCURRENCY,
  ): Promise<RefusedItem[]> => {
    const chunks: Record<string, unknown>[][] = [];
    const refused: RefusedItem[] = [];
    for (let i = 0; i < items.length; i += 25) chunks.push(items.slice(i, i + 25));
    const one = async (Item: Record<string, unknown>) => {
      try {
        await db.send(new PutCommand({ TableName: table, Item }));
      } catch (e) {
        if (!isRefused(e)) throw e;
        refused.push({ item: Item, error: (e as Error).message });
      }
    };
    const worker = async () => {
      for (let chunk = chunks.shift(); chunk; chunk = chunks.shift()) {
        let requests = chunk.map((Item) => ({ PutRequest: { Item } }));
        for (let attempt = 0; requests.length; attempt++) {
          if (attempt > 0) await sleep(Math.min(2000, 50 * 2 ** attempt) * Math.random());
          if (attempt > 10) throw new Error(`DynamoDB kept ${requests.length} writes unprocessed`);
          try {
            const res = await db.send(
              new BatchWriteCommand({ RequestItems: { [table]: requests } }),
            );
            requests = (res.UnprocessedItems?.[table] ?? []) as typeof requests;
          } catch (e) {
            if (!isRefused(e)) throw e;
            for (const r of requests) await one(r.PutRequest.Item);
            requests = [];
          }
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, chunks.length) }, worker));
    return refused;
  };

  /**
   * Write a cloud copy unless the pool holds a newer one (`updateTime`, `yyyy-MM-dd HH:mm:ss`,
   * sorts as time): for pushes, which may arrive late or be retried after a sync wrote a newer
   * state.
   */
  const putUnlessNewer = async (
    item: Record<string, unknown>,
  ): Promise<'stored' | 'stale' | RefusedItem> => {
    try {
      await db.send(
        new PutCommand({
          TableName: table,
          Item: item,
          ConditionExpression: 'attribute_not_exists(pk) OR updateTime <= :u',
          ExpressionAttributeValues: { ':u': item.updateTime },
        }),
      );
      return 'stored';
    } catch (e) {
      if (isConditionFailure(e)) return 'stale';
      if (isRefused(e)) return { item, error: (e as Error).message };
      throw e;
    }
  };

  const partitionOf = (pk: string) => ({
    TableName: table,
    KeyConditionExpression: 'pk = :pk',
    ExpressionAttributeValues: { ':pk': pk },
    ConsistentRead: true,
  });
  /** Every item of one invoice's partition (cloud copy, local edit, first user). */
  const partition = (orgId: string, kind: Kind, serialNo: string) =>
    queryAll(db, partitionOf(invoiceKey.pk(orgId, kind, serialNo)));

  /** Each partition's first user (`pk` → it), read consistently, 100 keys per BatchGet. */
  const firstUsers = async (pks: string[]): Promise<Map<string, FirstUser>> => {
    const items = pks.length
      ? await batchGetAll(
          db,
          table,
          pks.map((pk) => ({ pk, sk: invoiceKey.firstUser })),
        )
      : [];
    const of = (i: Record<string, unknown>): FirstUser => ({
      userId: i.userId as string,
      linkedAt: i.linkedAt as string,
    });
    return new Map(items.map((i) => [i.pk as string, of(i)]));
  };

  /**
   * Bind a page's attachments to their invoices' first users (FIRSTUSER carries no gsi1 keys, so
   * a pool page reads them in one consistent batch).
   */
  const addBindings = async (page: { inv: Invoice; pk: string }[]): Promise<void> => {
    const withFiles = page.filter(({ inv }) => inv.attachments.some((a) => a.userId === null));
    const owners = await firstUsers(withFiles.map((p) => p.pk));
    for (const { inv, pk } of withFiles)
      for (const a of inv.attachments) a.userId ??= owners.get(pk)?.userId ?? null;
  };

  /** An item's identity in the table. */
  const itemId = (i: Record<string, unknown>) => `${String(i.pk)}\u0000${String(i.sk)}`;
  /** The whole items behind index entries (which may project less), by `itemId`. */
  const fullItems = async (
    entries: Record<string, unknown>[],
  ): Promise<Map<string, Record<string, unknown>>> => {
    if (!entries.length) return new Map();
    const found = await batchGetAll(
      db,
      table,
      entries.map((e) => ({ pk: e.pk, sk: e.sk })),
    );
    return new Map(found.map((i) => [itemId(i), i]));
  };

  return {
    batchPut,
    putUnlessNewer,

    /** Note that a push is writing this org's pool of this kind now (`at`), before it writes. */
    async markPushed(orgId: string, kind: Kind, at: string): Promise<void> {
      await db.send(
        new UpdateCommand({
          TableName: table,
          Key: invoiceKey.pushMark(orgId, kind),
          UpdateExpression: 'SET #at = :at',
          ExpressionAttributeNames: { '#at': 'at' },
          ExpressionAttributeValues: { ':at': at },
        }),
      );
    },

    /** When a push last wrote this org's pool of this kind (consistent), if ever. */
    async lastPushed(orgId: string, kind: Kind): Promise<string | undefined> {
      const { Item } = await db.send(
        new GetCommand({
          TableName: table,
          Key: invoiceKey.pushMark(orgId, kind),
          ConsistentRead: true,
        }),
      );
      return Item?.at as string | undefined;
    },

    /**
     * The cloud copies of these serials that exist, consistently (`fields`: only those, with
     * `serialNo`): the versions a sync page checks, the non-synced fields it carries over.
     */
    async getCloudMany(
      orgId: string,
      kind: Kind,
      serials: string[],
      fields?: readonly Extract<keyof CloudItem, string>[],
    ): Promise<Map<string, Partial<CloudItem>>> {
      const items = await batchGetAll(
        db,
        table,
        serials.map((s) => ({ pk: invoiceKey.pk(orgId, kind, s), sk: invoiceKey.cloud })),
        fields && ['serialNo', ...fields],
      );
      return new Map(items.map((it) => [it.serialNo as string, it as unknown as CloudItem]));
    },

    /** One invoice, merged (cloud copy + local edit + attachment bindings). */
    async get(orgId: string, kind: Kind, serialNo: string): Promise<Invoice | undefined> {
      return mergePartition(await partition(orgId, kind, serialNo));
    },

    /**
     * One invoice, merged, with its version (the EDIT item's, 0 before any edit) and its first
     * user, all from one consistent partition read.
     */
    async getVersioned(
      orgId: string,
      kind: Kind,
      serialNo: string,
    ): Promise<{ invoice: Invoice; version: number; firstUser?: string } | undefined> {
      const items = await partition(orgId, kind, serialNo);
      const invoice = mergePartition(items);
      if (!invoice) return undefined;
      const edit = items.find((i) => i.sk === invoiceKey.edit) as EditItem | undefined;
      const first = items.find((i) => i.sk === invoiceKey.firstUser)?.userId as string | undefined;
      return { invoice, version: edit?.version ?? 0, ...(first ? { firstUser: first } : {}) };
    },

    async getRaw(
      orgId: string,
      kind: Kind,
      serialNo: string,
    ): Promise<{ cloud?: CloudItem; edit?: EditItem }> {
      const items = await partition(orgId, kind, serialNo);
      const cloud = items.find((i) => i.sk === invoiceKey.cloud) as CloudItem | undefined;
      const edit = items.find((i) => i.sk === invoiceKey.edit) as EditItem | undefined;
      return { cloud: cloud && unpack(cloud), edit: edit && unpack(edit) };
    },

    /** Write a local face edit: created once, then replaced only from the version read. */
    async putEdit(
      ref: { orgId: string; kind: Kind; serialNo: string },
      edit: FaceEdit,
      expectedVersion: number | null,
    ): Promise<void> {
      // The edit carries the goods list too: a long one is stored compressed (see packLarge).
      const Item = packLarge({
        ...edit,
        pk: invoiceKey.pk(ref.orgId, ref.kind, ref.serialNo),
        sk: invoiceKey.edit,
        gsi1pk: invoiceKey.gsi1pk(ref.orgId, ref.kind),
        gsi1sk: invoiceKey.gsi1sk(ref.serialNo, 'EDIT'),
      });
      if (!Item) throw new Unprocessable('items: the goods list is too large to store an edit');
      try {
        await db.send(
          new PutCommand({
            TableName: table,
            Item,
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

    /**
     * Claim the first user of many invoices none was recorded for: one conditional create each
     * (`CLAIM_CONCURRENCY` in flight; 1 WCU each, where a transaction of creates bills 2). Answers
     * each invoice's first user and whether this call created it; where another writer claimed
     * first, its user as the refused write returns it (no read back, no index).
     */
    async claimFirstUsers(
      claims: { pk: string; userId: string }[],
      at: string,
    ): Promise<Map<string, Claim>> {
      const out = new Map<string, Claim>();
      const queue = [...claims];
      const claim = async ({ pk, userId }: (typeof claims)[number]) => {
        try {
          await db.send(
            new PutCommand({
              TableName: table,
              Item: { pk, sk: invoiceKey.firstUser, userId, linkedAt: at },
              ConditionExpression: 'attribute_not_exists(pk)',
              ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
            }),
          );
          out.set(pk, { first: { userId, linkedAt: at }, won: true });
        } catch (e) {
          if (!isConditionFailure(e)) throw e;
          // The refused write carries the item that won, in DynamoDB's attribute-value form.
          const won = (e as { Item?: Record<string, { S?: string } | undefined> }).Item;
          const first =
            won?.userId?.S && won.linkedAt?.S
              ? { userId: won.userId.S, linkedAt: won.linkedAt.S }
              : (await firstUsers([pk])).get(pk);
          out.set(pk, { first, won: false });
        }
      };
      await Promise.all(
        Array.from({ length: CLAIM_CONCURRENCY }, async () => {
          for (let c = queue.shift(); c; c = queue.shift()) await claim(c);
        }),
      );
      return out;
    },

    /** Each partition's recorded first user (`pk` → userId), read consistently in batches. */
    firstUsers,

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
      // EDIT items carry no status fields, so every filter lets them through; they are dropped with
      // their cloud copy.
      const where = (attr: string, op: '=' | '<>', name: string, value: number) => {
        filters.push(`(attribute_not_exists(${attr}) OR ${attr} ${op} ${name})`);
        values[name] = value;
      };
      if (f.hideUnused) where('expendStatus', '<>', ':unused', 1);
      if (f.hideUnchecked) where('checkStatus', '<>', ':unchecked', 3);
      if (f.expendStatus !== undefined) where('expendStatus', '=', ':es', f.expendStatus);
      if (f.checkStatus !== undefined) where('checkStatus', '=', ':cs', f.checkStatus);
      const groups: Record<string, unknown>[][] = [];
      const add = (items: Record<string, unknown>[] | undefined) => {
        for (const it of items ?? []) {
          const last = groups[groups.length - 1];
          if (last && last[0]!.pk === it.pk) last.push(it);
          else groups.push([it]);
        }
      };
      const gsi1pk = invoiceKey.gsi1pk(orgId, kind);
      let start: Record<string, unknown> | undefined = decodeCursor(cursor, {
        pk: true,
        sk: true,
        gsi1pk,
        gsi1sk: true,
      });
      const query = (Limit: number) =>
        db.send(
          new QueryCommand({
            TableName: table,
            IndexName: 'gsi1',
            KeyConditionExpression: 'gsi1pk = :pk',
            FilterExpression: filters.join(' AND ') || undefined,
            ExpressionAttributeValues: values,
            ExclusiveStartKey: start,
            Limit,
          }),
        );
      // Items read, filtered-out ones included: capped, so a filter matching little never reads
      // the whole pool in one request (one item of the budget is kept for the edit check below).
      let read = 0;
      for (;;) {
        const page = await query(Math.min(Math.max(2 * limit + 2, 100), POOL_READ_CAP - 1 - read));
        read += page.ScannedCount ?? 0;
        add(page.Items);
        start = page.LastEvaluatedKey;
        const complete = groups.filter((g) => g.some((i) => i.sk === invoiceKey.cloud));
        if (complete.length > limit || !start || read >= POOL_READ_CAP - 1) break;
      }
      if (start && String(start.gsi1sk).endsWith(invoiceKey.gsi1sk('', 'CLOUD'))) {
        // Reading stopped at a cloud copy: its edit, if any, is the next item. Read it, so a page
        // never ends between an invoice and its edit.
        const next = await query(1);
        const edit = next.Items?.[0];
        if (edit && edit.pk === start.pk) {
          add([edit]);
          start = next.LastEvaluatedKey;
        }
      }
      // gsi1 holds the filter fields only: the items themselves are read by key (one consistent
      // BatchGet per 100); one gone meanwhile is left out.
      const full = await fullItems(groups.flat());
      const merged: { inv: Invoice; last: Record<string, unknown> }[] = [];
      for (const g of groups) {
        const inv = mergePartition(
          g.flatMap((i) => {
            const item = full.get(itemId(i));
            return item ? [item] : [];
          }),
        );
        if (inv) merged.push({ inv, last: g[g.length - 1]! });
      }
      const page = merged.slice(0, limit);
      await addBindings(page.map((m) => ({ inv: m.inv, pk: m.last.pk as string })));
      // More than a page: continue after the last invoice returned. Read budget spent: continue
      // from where reading stopped (fewer items, possibly none, and a cursor).
      const tail = merged.length > limit ? page[page.length - 1]!.last : start;
      return {
        items: page.map((m) => m.inv),
        nextCursor: tail
          ? encodeCursor({ pk: tail.pk, sk: tail.sk, gsi1pk: tail.gsi1pk, gsi1sk: tail.gsi1sk })
          : null,
      };
    },

    /**
     * Serial numbers in the pool for an org/kind, for one CST day of `updateTime` or for
     * everything.
     */
    async serials(orgId: string, kind: Kind, day?: string): Promise<string[]> {
      const items = day
        ? await queryAll(db, {
            TableName: table,
            IndexName: 'gsi3',
            KeyConditionExpression: 'gsi3pk = :pk',
            ExpressionAttributeValues: { ':pk': invoiceKey.gsi3pk(orgId, kind, day) },
            ProjectionExpression: 'serialNo',
          })
        : await queryAll(db, {
            TableName: table,
            IndexName: 'gsi1',
            KeyConditionExpression: 'gsi1pk = :pk',
            FilterExpression: 'sk = :c',
            ExpressionAttributeValues: { ':pk': invoiceKey.gsi1pk(orgId, kind), ':c': 'CLOUD' },
            ProjectionExpression: 'serialNo',
          });
      return items.map((i) => i.serialNo as string);
    },

    /**
     * Invoices carrying this invoice number (any org); callers filter further. gsi2 holds keys
     * only: the items are read by key.
     */
    async findByNumber(invoiceNo: string): Promise<Invoice[]> {
      const keys = await queryAll(db, {
        TableName: table,
        IndexName: 'gsi2',
        KeyConditionExpression: 'gsi2pk = :pk',
        ExpressionAttributeValues: { ':pk': invoiceKey.gsi2pk(invoiceNo) },
      });
      // Each invoice whole (its edit and first user too): one consistent Query of its partition.
      const pks = [...new Set(keys.map((k) => k.pk as string))];
      const found = await Promise.all(pks.map((pk) => queryAll(db, partitionOf(pk))));
      return found.map(mergePartition).filter((i): i is Invoice => i !== undefined);
    },
  };
};
export type InvoiceStore = ReturnType<typeof makeInvoiceStore>;
