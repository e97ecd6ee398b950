import {
  GetCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import type { Attempt, InteractionLog } from '../schemas/interaction.js';
import { batchGetAll, newestFirst, putIfAbsent } from './dynamo.js';
import { logKey } from './keys.js';

export interface LogFilter {
  operationType?: string | undefined;
  dataStatus?: string | undefined;
  processingMethod?: string | undefined;
  orderNo?: string | undefined;
  from?: string | undefined;
  to?: string | undefined;
}

const strip = (i: Record<string, unknown>): InteractionLog => {
  const { pk: _a, sk: _b, gsi1pk: _c, gsi1sk: _d, gsi2pk: _e, gsi2sk: _f, ...log } = i;
  return log as unknown as InteractionLog;
};

/** Interaction logs with heterogeneous systems (seed 004). */
const attemptUpdate = (
  table: string,
  logId: string,
  attempt: Attempt,
  dataStatus: InteractionLog['dataStatus'],
) => ({
  TableName: table,
  Key: { pk: logKey.pk(logId), sk: logKey.sk },
  UpdateExpression:
    'SET attempts = list_append(if_not_exists(attempts, :empty), :a), dataStatus = :s, #r = :r, updatedAt = :at',
  ConditionExpression: 'attribute_exists(pk)',
  ExpressionAttributeNames: { '#r': 'response' },
  ExpressionAttributeValues: {
    ':empty': [],
    ':a': [attempt],
    ':s': dataStatus,
    ':r': { status: attempt.status, body: attempt.response, error: attempt.error ?? null },
    ':at': attempt.at,
  },
});

export const makeLogStore = (db: DynamoDBDocumentClient, table: string) => ({
  /** Create once; false when a log with this id exists (an idempotent re-delivery). */
  async create(log: InteractionLog): Promise<boolean> {
    const t = `${log.createdAt}#${log.logId}`;
    return putIfAbsent(db, table, {
      pk: logKey.pk(log.logId),
      sk: logKey.sk,
      gsi1pk: logKey.gsi1pk,
      gsi1sk: t,
      gsi2pk: logKey.gsi2pk(log.orderNo),
      gsi2sk: t,
      ...log,
    });
  },

  async get(logId: string): Promise<InteractionLog | undefined> {
    const { Item } = await db.send(
      new GetCommand({
        TableName: table,
        Key: { pk: logKey.pk(logId), sk: logKey.sk },
        ConsistentRead: true,
      }),
    );
    return Item ? strip(Item) : undefined;
  },

  /** Several logs by id (100 per request); missing ones are absent from the map. */
  async getMany(logIds: string[]): Promise<Map<string, InteractionLog>> {
    const items = await batchGetAll(
      db,
      table,
      logIds.map((id) => ({ pk: logKey.pk(id), sk: logKey.sk })),
    );
    return new Map(items.map((it) => [it.logId as string, strip(it)]));
  },

  /** Append an attempt and set the status and last response (atomic list_append: no read-modify-write). */
  async recordAttempt(
    logId: string,
    attempt: Attempt,
    dataStatus: InteractionLog['dataStatus'],
  ): Promise<void> {
    await db.send(new UpdateCommand(attemptUpdate(table, logId, attempt, dataStatus)));
  },

  /**
   * Record many attempts: up to 100 per transaction (one request instead of 100, and all or none), each
   * falling back to its own update if a transaction is refused.
   */
  async recordAttempts(
    entries: { logId: string; attempt: Attempt; dataStatus: InteractionLog['dataStatus'] }[],
  ): Promise<void> {
    for (let i = 0; i < entries.length; i += 100) {
      const chunk = entries.slice(i, i + 100);
      try {
        await db.send(
          new TransactWriteCommand({
            TransactItems: chunk.map((e) => ({
              Update: attemptUpdate(table, e.logId, e.attempt, e.dataStatus),
            })),
          }),
        );
      } catch (e) {
        if ((e as Error).name !== 'TransactionCanceledException') throw e;
        for (const c of chunk) await this.recordAttempt(c.logId, c.attempt, c.dataStatus);
      }
    }
  },

  /** The newest order log for an order number (which system the order came from). */
  async orderLog(orderNo: string): Promise<InteractionLog | undefined> {
    const { Items } = await db.send(
      new QueryCommand({
        TableName: table,
        IndexName: 'gsi2',
        KeyConditionExpression: 'gsi2pk = :p',
        FilterExpression: 'operationType = :t',
        ExpressionAttributeValues: { ':p': logKey.gsi2pk(orderNo), ':t': 'ORDER_FETCH' },
        ScanIndexForward: false,
      }),
    );
    return Items?.[0] ? strip(Items[0]) : undefined;
  },

  /** Newest first; by order number when given, else all; time range on the index, the rest filtered. */
  list(
    f: LogFilter,
    limit: number,
    cursor?: string,
  ): Promise<{ items: InteractionLog[]; nextCursor: string | null }> {
    const [index, pk] = f.orderNo ? ['gsi2', logKey.gsi2pk(f.orderNo)] : ['gsi1', logKey.gsi1pk];
    return newestFirst(db, {
      table,
      index,
      pk,
      range: [f.from ?? '0', `${f.to ?? '9999'}#\uffff`],
      equals: {
        operationType: f.operationType,
        dataStatus: f.dataStatus,
        processingMethod: f.processingMethod,
      },
      limit,
      cursor,
      map: strip,
    });
  },
});
export type LogStore = ReturnType<typeof makeLogStore>;
