import {
  GetCommand,
  TransactWriteCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import { randomUUID } from 'node:crypto';
import {
  RETRY_STATE_FIELDS,
  type Attempt,
  type InteractionLog,
} from '../../domain/schemas/interaction.js';
import { batchGetAll, conditional, newestFirst, putIfAbsent, queryAll } from './dynamo.js';
import { logKey } from './keys.js';

const toAttempt = (i: Record<string, unknown>): Attempt => {
  const { pk: _a, sk: _b, logId: _c, ...a } = i;
  return a as unknown as Attempt;
};

/**
 * A transaction whose cancellation, for any reason, is a domain outcome (false): unlike
 * `conditional` (dynamo.ts), a conflict with another transaction counts as lost too.
 */
const lostOrCancelled = async (write: Promise<unknown>): Promise<boolean> => {
  try {
    await write;
    return true;
  } catch (e) {
    const name = (e as Error).name;
    if (name === 'ConditionalCheckFailedException' || name === 'TransactionCanceledException')
      return false;
    throw e;
  }
};

export interface LogFilter {
  orgId?: string | undefined;
  operationType?: string | undefined;
  dataStatus?: string | undefined;
  processingMethod?: string | undefined;
  orderNo?: string | undefined;
  from?: string | undefined;
  to?: string | undefined;
}

/**
 * Attempts live in their own items beside the log (`ATT#<at>#<suffix>`): the log item never grows.
 */
const ATT = 'ATT#';
const attemptSk = (a: Attempt, suffix: string) => `${ATT}${a.at}#${suffix}`;
const suffix = () => randomUUID().slice(0, 8);

/** A log without its attempts (what batch reads and the sender need). */
export type LogHead = Omit<InteractionLog, 'attempts'>;

const strip = (i: Record<string, unknown>): LogHead => {
  const {
    pk: _a,
    sk: _b,
    gsi1pk: _c,
    gsi1sk: _d,
    gsi2pk: _e,
    gsi2sk: _f,
    attempts: _g,
    ...log
  } = i;
  return log as unknown as LogHead;
};
/** The API shape: retry state is internal. */
const publicLog = (log: InteractionLog): InteractionLog => {
  const out = { ...log } as Record<string, unknown>;
  for (const f of RETRY_STATE_FIELDS) delete out[f];
  return out as unknown as InteractionLog;
};
/** Items written before attempts became items carry them in a list: read both. */
const legacy = (i: Record<string, unknown>) => (i.attempts as Attempt[] | undefined) ?? [];
/** A bound as the index stores it (UTC, milliseconds), whatever offset the caller wrote. */
const utc = (x: string | undefined) => (x === undefined ? undefined : new Date(x).toISOString());

/** The log item's side of recording an attempt: status and last response. */
const statusUpdate = (
  table: string,
  logId: string,
  attempt: Attempt,
  dataStatus: InteractionLog['dataStatus'],
) => ({
  TableName: table,
  Key: { pk: logKey.pk(logId), sk: logKey.sk },
  UpdateExpression: 'SET dataStatus = :s, #r = :r, updatedAt = :at',
  ConditionExpression: 'attribute_exists(pk)',
  ExpressionAttributeNames: { '#r': 'response' },
  ExpressionAttributeValues: {
    ':s': dataStatus,
    ':r': { status: attempt.status, body: attempt.response, error: attempt.error ?? null },
    ':at': attempt.at,
  },
});
const attemptPut = (table: string, logId: string, attempt: Attempt, suffix: string) => ({
  TableName: table,
  Item: { pk: logKey.pk(logId), sk: attemptSk(attempt, suffix), logId, ...attempt },
});

export const makeLogStore = (db: DynamoDBDocumentClient, table: string) => ({
  /** Create once; false when a log with this id exists (an idempotent re-delivery). */
  async create(log: InteractionLog): Promise<boolean> {
    const t = `${log.createdAt}#${log.logId}`;
    const { attempts: _none, ...item } = log;
    return putIfAbsent(db, table, {
      pk: logKey.pk(log.logId),
      sk: logKey.sk,
      gsi1pk: logKey.gsi1pk,
      gsi1sk: t,
      gsi2pk: logKey.gsi2pk(log.orderNo),
      gsi2sk: t,
      ...item,
    });
  },

  /** A log with its attempts, oldest first (one consistent Query of its partition). */
  async get(logId: string): Promise<InteractionLog | undefined> {
    const items = await queryAll(db, {
      TableName: table,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': logKey.pk(logId) },
      ConsistentRead: true,
    });
    const head = items.find((i) => i.sk === logKey.sk);
    if (!head) return undefined;
    const own = items.filter((i) => String(i.sk).startsWith(ATT)).map(toAttempt);
    return { ...strip(head), attempts: [...legacy(head), ...own] };
  },

  /** The log item alone (retry state included), consistently. */
  async head(logId: string): Promise<LogHead | undefined> {
    const { Item } = await db.send(
      new GetCommand({
        TableName: table,
        Key: { pk: logKey.pk(logId), sk: logKey.sk },
        ConsistentRead: true,
      }),
    );
    return Item ? strip(Item) : undefined;
  },

  /** Several log items by id (100 per request), without attempts; missing ones are absent. */
  async getMany(logIds: string[]): Promise<Map<string, LogHead>> {
    const items = await batchGetAll(
      db,
      table,
      logIds.map((id) => ({ pk: logKey.pk(id), sk: logKey.sk })),
    );
    return new Map(items.map((it) => [it.logId as string, strip(it)]));
  },

  /**
   * Claim automatic attempt `n` (1-based): only if `n - 1` were claimed and the log is not
   * delivered yet, so two copies of one message cannot both deliver. The claim sets `nextAttemptAt`
   * to `leaseUntil`: a claimer that dies leaves a log the sweep (or a later message) takes over
   * after that time.
   */
  async claimAttempt(logId: string, n: number, leaseUntil: string): Promise<boolean> {
    const firstOrNone = n === 1 ? ' OR attribute_not_exists(autoClaimed)' : '';
    return conditional(
      db.send(
        new UpdateCommand({
          TableName: table,
          Key: { pk: logKey.pk(logId), sk: logKey.sk },
          UpdateExpression: 'SET autoClaimed = :n, nextAttemptAt = :lease',
          ConditionExpression: `(autoClaimed = :prev${firstOrNone}) AND dataStatus <> :ok`,
          ExpressionAttributeValues: {
            ':n': n,
            ':prev': n - 1,
            ':lease': leaseUntil,
            ':ok': 'SUCCEEDED',
          },
        }),
      ),
    );
  },

  /**
   * Take over claimed attempt `n` whose claimer's lease (`expired`) ran out without recording it.
   */
  async takeOverAttempt(
    logId: string,
    n: number,
    expired: string,
    leaseUntil: string,
  ): Promise<boolean> {
    return conditional(
      db.send(
        new UpdateCommand({
          TableName: table,
          Key: { pk: logKey.pk(logId), sk: logKey.sk },
          UpdateExpression: 'SET nextAttemptAt = :lease',
          ConditionExpression: 'autoClaimed = :n AND nextAttemptAt = :old AND dataStatus <> :ok',
          ExpressionAttributeValues: {
            ':n': n,
            ':old': expired,
            ':lease': leaseUntil,
            ':ok': 'SUCCEEDED',
          },
        }),
      ),
    );
  },

  /**
   * Record automatic attempt `n` with the status, the last response and when the next one is due
   * (`null`: none), in one transaction with the attempt's own item; only while the claim on `n`
   * holds.
   */
  async recordAutomatic(
    logId: string,
    n: number,
    attempt: Attempt,
    dataStatus: InteractionLog['dataStatus'],
    nextAttemptAt: string | null,
  ): Promise<boolean> {
    const u = statusUpdate(table, logId, attempt, dataStatus);
    const next = nextAttemptAt ? ', nextAttemptAt = :next' : ' REMOVE nextAttemptAt';
    return lostOrCancelled(
      db.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Update: {
                ...u,
                UpdateExpression: `${u.UpdateExpression}, autoDone = :n${next}`,
                ConditionExpression: 'autoClaimed = :n',
                ExpressionAttributeValues: {
                  ...u.ExpressionAttributeValues,
                  ':n': n,
                  ...(nextAttemptAt ? { ':next': nextAttemptAt } : {}),
                },
              },
            },
            { Put: attemptPut(table, logId, attempt, `a${n}`) },
          ],
        }),
      ),
    );
  },

  /** The follow-up message of attempt `n` is queued (a redelivery need not queue it again). */
  async markHop(logId: string, n: number): Promise<void> {
    await db.send(
      new UpdateCommand({
        TableName: table,
        Key: { pk: logKey.pk(logId), sk: logKey.sk },
        UpdateExpression: 'SET hopFor = :n',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: { ':n': n },
      }),
    );
  },

  /**
   * A recorder of operator-push attempts that runs beside the POSTs still in flight: every
   * `size` attempts (or `flushMs` after the first of a batch) go out as one transaction (each
   * log's attempt item with its status and last response), batches in parallel; a batch refused
   * (a log deleted meanwhile) is retried log by log, a missing log skipped. A crash before a batch
   * is written leaves those logs as they were: still claimable, at worst delivered once more under
   * the same webhook id. `close` flushes the rest and waits for every write (rethrowing a failure).
   */
  attemptRecorder({ size = 25, flushMs = 5 }: { size?: number; flushMs?: number } = {}) {
    type Entry = { logId: string; attempt: Attempt; dataStatus: InteractionLog['dataStatus'] };
    const pair = (e: Entry) => [
      { Update: statusUpdate(table, e.logId, e.attempt, e.dataStatus) },
      { Put: attemptPut(table, e.logId, e.attempt, suffix()) },
    ];
    const write = async (batch: Entry[]) => {
      try {
        await db.send(new TransactWriteCommand({ TransactItems: batch.flatMap(pair) }));
      } catch (e) {
        if ((e as Error).name !== 'TransactionCanceledException') throw e;
        for (const one of batch)
          await lostOrCancelled(db.send(new TransactWriteCommand({ TransactItems: pair(one) })));
      }
    };
    let pending: Entry[] = [];
    let timer: NodeJS.Timeout | undefined;
    const writes: Promise<unknown>[] = [];
    const flush = () => {
      clearTimeout(timer);
      timer = undefined;
      const batch = pending;
      pending = [];
      // Caught here and rethrown by `close`: a write failing before `close` is awaited must not
      // surface as an unhandled rejection.
      if (batch.length) writes.push(write(batch).then(undefined, (e: unknown) => ({ failed: e })));
    };
    return {
      add(e: Entry): void {
        pending.push(e);
        if (pending.length >= size) flush();
        else timer ??= setTimeout(flush, flushMs);
      },
      async close(): Promise<void> {
        flush();
        for (const r of await Promise.all(writes))
          if (r && typeof r === 'object' && 'failed' in r) throw r.failed;
      },
    };
  },

  /**
   * Logs created in `[since, now]` not delivered whose next automatic attempt was due by `dueBy`:
   * lost enqueues, lost hops, claimers that died. A Query of the time index, filtered.
   */
  async dueForRetry(since: string, now: string, dueBy: string): Promise<LogHead[]> {
    const items = await queryAll(db, {
      TableName: table,
      IndexName: 'gsi1',
      KeyConditionExpression: 'gsi1pk = :p AND gsi1sk BETWEEN :from AND :to',
      FilterExpression: 'dataStatus <> :ok AND nextAttemptAt <= :due',
      ExpressionAttributeValues: {
        ':p': logKey.gsi1pk,
        ':from': since,
        ':to': `${now}#\uffff`,
        ':ok': 'SUCCEEDED',
        ':due': dueBy,
      },
    });
    return items.map(strip);
  },

  /**
   * Newest first; by order number when given, else all; time range on the index (bounds normalised
   * to UTC, so `+08:00` input selects the same instant), the rest (the org included) filtered. Each
   * log with its attempts.
   */
  async list(
    f: LogFilter,
    limit: number,
    cursor?: string,
  ): Promise<{ items: InteractionLog[]; nextCursor: string | null }> {
    const [index, pk] = f.orderNo ? ['gsi2', logKey.gsi2pk(f.orderNo)] : ['gsi1', logKey.gsi1pk];
    const page = await newestFirst(db, {
      table,
      index,
      pk,
      range: [utc(f.from) ?? '0', `${utc(f.to) ?? '9999'}#\uffff`],
      equals: {
        orgId: f.orgId,
        operationType: f.operationType,
        dataStatus: f.dataStatus,
        processingMethod: f.processingMethod,
      },
      limit,
      cursor,
      map: (i) => i,
    });
    const items = await Promise.all(
      page.items.map(async (i) => {
        const own = await queryAll(db, {
          TableName: table,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :att)',
          ExpressionAttributeValues: { ':pk': i.pk, ':att': ATT },
          ConsistentRead: true,
        });
        return publicLog({ ...strip(i), attempts: [...legacy(i), ...own.map(toAttempt)] });
      }),
    );
    return { items, nextCursor: page.nextCursor };
  },
});
export type LogStore = ReturnType<typeof makeLogStore>;
