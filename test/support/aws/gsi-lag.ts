/**
 * AWS read-consistency for the local stack: DynamoDB Local answers every GSI Query and every read
 * strongly consistently, real DynamoDB does not. Plug `gsiLag(...).wrap` into `local/stack.ts`'s
 * `wrapDb` hook (`startHarness({ stack: { wrapDb: lag.wrap } })`) to see what AWS is allowed to
 * show.
 */
import {
  BatchWriteCommand,
  DeleteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';

type Item = Record<string, unknown>;

export interface GsiLagOptions {
  /** How long a written item stays invisible to lagged reads, ms (`Infinity`: always). */
  lagMs: number;
  /** Only these indexes lag (default: every index). */
  indexes?: string[];
  /** Also serve GetItem without `ConsistentRead` from the lagged view (default false). */
  eventualGets?: boolean;
  /** The tables' key attributes (every table of the product uses `pk`/`sk`). */
  keyAttributes?: [string, string];
  /** Time source (default `Date.now`). */
  now?: () => number;
}

export interface GsiLag {
  /** The `wrapDb` hook. */
  wrap: (db: DynamoDBDocumentClient) => DynamoDBDocumentClient;
  /** Change the lag from now on (0 turns it off; items already written keep their write time). */
  setLag: (ms: number) => void;
  /** Let the index catch up: everything written so far becomes visible. */
  catchUp: () => void;
  /** Items hidden from lagged reads so far (proof that the lag actually bit). */
  readonly hidden: number;
}

/**
 * A lagging view of GSIs (and, opt-in, of eventually consistent GetItem). Semantics:
 * - Every successful write (Put, Update, Delete, BatchWrite puts and deletes, TransactWrite items;
 *   a conditional write that fails records nothing) stamps its item key with the time it returned.
 * - A Query that names an `IndexName` (in `indexes`, if given) is sent to DynamoDB Local as is,
 *   then every returned item whose key was written less than `lagMs` ago is removed (`Count`
 *   adjusted, `LastEvaluatedKey` kept, as with a filter). A newly created item is therefore missing
 *   from the index, exactly what AWS may show; an updated item is missing too, where AWS would
 *   still show its previous image (stricter than AWS: code that tolerates a missing item tolerates
 *   the old one only if it never relies on the old values). A recently deleted item is gone at once
 *   (AWS may still show it).
 * - With `eventualGets`, a GetItem without `ConsistentRead: true` of an item written less than
 *   `lagMs` ago returns no item (AWS returns the previous image; for an item created within the lag
 *   that is none).
 * - Base-table Queries, BatchGetItem and consistent reads are untouched: they stay consistent.
 */
export const gsiLag = (o: GsiLagOptions): GsiLag => {
  const now = o.now ?? Date.now;
  const [pkName, skName] = o.keyAttributes ?? ['pk', 'sk'];
  const written = new Map<string, number>();
  let lagMs = o.lagMs;
  let hidden = 0;
  const keyOf = (table: string, item: Item) =>
    `${table}\u0000${String(item[pkName])}\u0000${String(item[skName])}`;
  const stamp = (table: string | undefined, item: Item | undefined) => {
    if (table && item) written.set(keyOf(table, item), now());
  };
  const young = (table: string, item: Item) => {
    const at = written.get(keyOf(table, item));
    return at !== undefined && now() - at < lagMs;
  };
  const lags = (index: string) => !o.indexes || o.indexes.includes(index);

  const recordWrites = (cmd: unknown, res: Item) => {
    if (cmd instanceof PutCommand) stamp(cmd.input.TableName, cmd.input.Item);
    else if (cmd instanceof UpdateCommand || cmd instanceof DeleteCommand)
      stamp(cmd.input.TableName, cmd.input.Key);
    else if (cmd instanceof BatchWriteCommand) {
      const left = (res.UnprocessedItems ?? {}) as Record<string, Item[]>;
      for (const [table, requests] of Object.entries(cmd.input.RequestItems ?? {}))
        for (const r of requests) {
          const item = (r.PutRequest?.Item ?? r.DeleteRequest?.Key) as Item | undefined;
          if (item && !left[table]?.some((u) => keyOf(table, unwrap(u)) === keyOf(table, item)))
            stamp(table, item);
        }
    } else if (cmd instanceof TransactWriteCommand)
      for (const t of cmd.input.TransactItems ?? []) {
        if (t.Put) stamp(t.Put.TableName, t.Put.Item);
        if (t.Update) stamp(t.Update.TableName, t.Update.Key);
        if (t.Delete) stamp(t.Delete.TableName, t.Delete.Key);
      }
  };

  const wrap = (db: DynamoDBDocumentClient): DynamoDBDocumentClient =>
    ({
      send: async (cmd: unknown, ...rest: unknown[]) => {
        const res = (await (db.send as (...a: unknown[]) => Promise<Item>)(cmd, ...rest)) ?? {};
        recordWrites(cmd, res);
        const lagged =
          (cmd instanceof QueryCommand && cmd.input.IndexName && lags(cmd.input.IndexName)) ||
          (o.eventualGets && cmd instanceof GetCommand && cmd.input.ConsistentRead !== true);
        if (!lagged || lagMs <= 0) return res;
        const table = cmd.input.TableName!;
        if (cmd instanceof GetCommand) {
          if (!res.Item || !young(table, res.Item as Item)) return res;
          hidden++;
          return { ...res, Item: undefined };
        }
        const items = (res.Items ?? []) as Item[];
        const visible = items.filter((i) => !young(table, i));
        hidden += items.length - visible.length;
        return { ...res, Items: visible, Count: visible.length };
      },
    }) as unknown as DynamoDBDocumentClient;

  return {
    wrap,
    setLag: (ms) => {
      lagMs = ms;
    },
    catchUp: () => written.clear(),
    get hidden() {
      return hidden;
    },
  };
};

/** An UnprocessedItems entry back to its item or key. */
const unwrap = (r: Item): Item =>
  (r.PutRequest as { Item?: Item } | undefined)?.Item ??
  (r.DeleteRequest as { Key?: Item } | undefined)?.Key ??
  {};
