import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  DynamoDBDocumentClient,
  PutCommand,
  QueryCommand,
  type QueryCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { isConditionFailure } from '../../domain/errors.js';

/** One document client per module scope (reused across warm invocations). */
export const createDocClient = (config: DynamoDBClientConfig = {}): DynamoDBDocumentClient =>
  DynamoDBDocumentClient.from(new DynamoDBClient(config), {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
  });

/** Opaque pagination cursor: base64url of the DynamoDB LastEvaluatedKey. */
export const encodeCursor = (key: Record<string, unknown> | undefined): string | null =>
  key ? Buffer.from(JSON.stringify(key)).toString('base64url') : null;

/**
 * The key a query's cursor must hold, attribute by attribute: the exact value (the query's own
 * partition), a test of the value (a sort-key range), or `true` for any key value.
 */
export type CursorShape = Record<string, string | ((value: string) => boolean) | true>;

/**
 * Decode a cursor into an `ExclusiveStartKey`, checked against the query's shape (security review
 * L5): exactly the shape's attributes, each a non-empty string (every key attribute of the product
 * is a string) matching its rule. So a tampered cursor is a 400 naming `cursor`, never a DynamoDB
 * `ValidationException` (500), and never a start position in another partition (another org).
 */
export const decodeCursor = (
  cursor: string | undefined,
  shape: CursorShape,
): Record<string, string> | undefined => {
  if (!cursor) return undefined;
  let v: unknown;
  try {
    v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new CursorError();
  }
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw new CursorError();
  const key = v as Record<string, unknown>;
  const names = Object.keys(shape);
  if (Object.keys(key).length !== names.length) throw new CursorError();
  for (const name of names) {
    const value = Object.hasOwn(key, name) ? key[name] : undefined;
    const rule = shape[name]!;
    const fits =
      typeof value === 'string' &&
      value.length > 0 &&
      value.length <= 1024 &&
      (rule === true || (typeof rule === 'string' ? value === rule : rule(value)));
    if (!fits) throw new CursorError();
  }
  return Object.fromEntries(names.map((n) => [n, key[n] as string]));
};

export class CursorError extends Error {
  constructor() {
    super('cursor is not one this API returned');
  }
}

/**
 * Create an item once: false when an item with its key exists already (every create in the
 * product).
 */
export const putIfAbsent = (
  db: DynamoDBDocumentClient,
  table: string,
  item: Record<string, unknown>,
): Promise<boolean> =>
  conditional(
    db.send(
      new PutCommand({
        TableName: table,
        Item: item,
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    ),
  );

/** A conditional write whose lost condition is an outcome (false), anything else an error. */
export const conditional = async (write: Promise<unknown>): Promise<boolean> => {
  try {
    await write;
    return true;
  } catch (e) {
    if (isConditionFailure(e)) return false;
    throw e;
  }
};

/**
 * Items one listing request may read (filtered-out ones included) before it answers with a cursor.
 */
const LIST_READ_CAP = 1000;

/**
 * One page of a GSI partition, newest first: `equals` filters (undefined values ignored), an
 * optional sort-key range, and an opaque cursor at the last item returned (so filtered-out items
 * never cost a page). At most `LIST_READ_CAP` items are read per call: a filter matching little
 * answers fewer items and a cursor, never a read of the whole partition (security review M2).
 */
export const newestFirst = async <T>(
  db: DynamoDBDocumentClient,
  o: {
    table: string;
    index: string;
    pk: string;
    range?: [string, string];
    equals: Record<string, unknown>;
    limit: number;
    cursor?: string | undefined;
    map: (item: Record<string, unknown>) => T;
  },
): Promise<{ items: T[]; nextCursor: string | null }> => {
  const values: Record<string, unknown> = { ':pk': o.pk };
  const names: Record<string, string> = {};
  const filters: string[] = [];
  for (const [k, v] of Object.entries(o.equals)) {
    if (v === undefined) continue;
    names[`#${k}`] = k;
    values[`:${k}`] = v;
    filters.push(`#${k} = :${k}`);
  }
  if (o.range) [values[':from'], values[':to']] = o.range;
  const items: T[] = [];
  const [from, to] = o.range ?? [];
  let start: Record<string, unknown> | undefined = decodeCursor(o.cursor, {
    pk: true,
    sk: true,
    [`${o.index}pk`]: o.pk,
    [`${o.index}sk`]: from === undefined ? true : (v) => v >= from && v <= to!,
  });
  const rangeCondition = o.range ? ` AND ${o.index}sk BETWEEN :from AND :to` : '';
  let last: Record<string, unknown> | undefined;
  let read = 0;
  do {
    const page = await db.send(
      new QueryCommand({
        TableName: o.table,
        IndexName: o.index,
        KeyConditionExpression: `${o.index}pk = :pk${rangeCondition}`,
        FilterExpression: filters.length ? filters.join(' AND ') : undefined,
        ExpressionAttributeNames: filters.length ? names : undefined,
        ExpressionAttributeValues: values,
        ScanIndexForward: false,
        ExclusiveStartKey: start,
        Limit: Math.max(o.limit, 100),
      }),
    );
    read += page.ScannedCount ?? 0;
    for (const it of page.Items ?? []) {
      if (items.length === o.limit) return { items, nextCursor: encodeCursor(last) };
      items.push(o.map(it));
      last = {
        pk: it.pk as unknown,
        sk: it.sk as unknown,
        [`${o.index}pk`]: it[`${o.index}pk`] as unknown,
        [`${o.index}sk`]: it[`${o.index}sk`] as unknown,
      };
    }
    start = page.LastEvaluatedKey;
    // Read budget spent (a filter matching little): the caller continues from where reading
    // stopped.
    if (start && read >= LIST_READ_CAP) return { items, nextCursor: encodeCursor(start) };
  } while (start);
  return { items, nextCursor: null };
};

/** Every item a Query matches, page by page. */
export const queryAll = async (
  db: DynamoDBDocumentClient,
  input: QueryCommandInput,
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

/** Read items by key, 100 per request, consistently, retrying unprocessed keys with backoff. */
export const batchGetAll = async (
  db: DynamoDBDocumentClient,
  table: string,
  keys: Record<string, unknown>[],
  /** Only these attributes of each item (read units are the same: less to transfer and parse). */
  project?: readonly string[],
): Promise<Record<string, unknown>[]> => {
  const projection = project && {
    ProjectionExpression: project.map((_, i) => `#p${i}`).join(', '),
    ExpressionAttributeNames: Object.fromEntries(project.map((a, i) => [`#p${i}`, a])),
  };
  const out: Record<string, unknown>[] = [];
  // DynamoDB refuses a request that lists one key twice: each key is asked for once.
  const id = (k: Record<string, unknown>) =>
    JSON.stringify(Object.entries(k).sort(([a], [b]) => a.localeCompare(b)));
  const unique = [...new Map(keys.map((k) => [id(k), k])).values()];
  for (let i = 0; i < unique.length; i += 100) {
    let pending = unique.slice(i, i + 100);
    for (let attempt = 0; pending.length; attempt++) {
      if (attempt)
        await new Promise((r) => setTimeout(r, 50 * 2 ** Math.min(attempt, 5) * Math.random()));
      const res = await db.send(
        new BatchGetCommand({
          RequestItems: { [table]: { Keys: pending, ConsistentRead: true, ...projection } },
        }),
      );
      out.push(...(res.Responses?.[table] ?? []));
      pending = (res.UnprocessedKeys?.[table]?.Keys ?? []) as Record<string, unknown>[];
    }
  }
  return out;
};
