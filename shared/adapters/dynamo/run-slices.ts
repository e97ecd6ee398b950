/**
 * Time slices of a sliced full sync: one item per slice beside its run (pk `RUN#<runId>`, sk
 * `SLICE#<nn>`, no index keys, so never listed). Each slice has its own lease, cursor and counters;
 * every checkpoint adds the page's counts to the run in the same transaction, so the run's counts
 * move exactly once with each slice's cursor.
 */
import {
  TransactWriteCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import { ConditionFailed, isConditionFailure } from '../../domain/errors.js';
import type { Run, RunProgress } from '../../domain/schemas/sync.js';
import { conditional, queryAll } from './dynamo.js';
import { runKey } from './keys.js';

export type SliceState = 'pending' | 'done' | 'failed';

/** The counters a slice adds to its run. */
export interface SliceCounts {
  fetched: number;
  successCount: number;
  skipped: number;
  failed: number;
  pages: number;
}

export interface RunSlice extends SliceCounts {
  slice: number;
  /** Inclusive `updateTime` bounds (CST); null = open (the first and last slice). */
  windowStart: string | null;
  windowEnd: string | null;
  state: SliceState;
  /** The run's `attemptCount` when the slice failed (a retry resets slices of earlier attempts). */
  failedAttempt?: number | undefined;
  progress: (RunProgress & { passStartedAt?: string; passInvocation?: number }) | null;
  invocations: number;
  message: string;
  folder?: Run['folder'];
  leaseOwner?: string | undefined;
  leaseUntil?: number | undefined;
}

const sliceKey = (runId: string, slice: number) => ({
  pk: runKey.pk(runId),
  sk: `SLICE#${String(slice).padStart(3, '0')}`,
});

const strip = (i: Record<string, unknown>): RunSlice => {
  const { pk: _p, sk: _s, ...rest } = i;
  return rest as unknown as RunSlice;
};

const lost = (runId: string, slice: number) =>
  new ConditionFailed(`run ${runId} slice ${slice} changed meanwhile (lease lost)`);

/** A lease (`leaseOwner`, `leaseUntil`) is free, expired or already held by `:o`. */
export const LEASE_TAKEABLE =
  'attribute_not_exists(leaseUntil) OR leaseUntil < :now OR leaseOwner = :o';

/** Give up `owner`'s lease on the item at `key` (a no-op when it is not, or no longer, held). */
export const releaseLease = (
  db: DynamoDBDocumentClient,
  table: string,
  key: Record<string, string>,
  owner: string,
): Promise<void> =>
  conditional(
    db.send(
      new UpdateCommand({
        TableName: table,
        Key: key,
        UpdateExpression: 'REMOVE leaseOwner, leaseUntil',
        ConditionExpression: 'leaseOwner = :o',
        ExpressionAttributeValues: { ':o': owner },
      }),
    ),
  ).then(() => undefined);

/** `SET a = :a, …` of `fields`, with its names and values (prefix keeps them apart). */
export const setOf = (fields: Record<string, unknown>, prefix: string) => {
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = {};
  const sets = Object.entries(fields).map(([k, v], i) => {
    names[`#${prefix}${i}`] = k;
    values[`:${prefix}${i}`] = v;
    return `#${prefix}${i} = :${prefix}${i}`;
  });
  return { sets, names, values };
};

/** Whether a cancelled transaction lost only to another one on the same item (run item). */
const conflicted = (e: unknown): boolean => {
  const x = e as { name?: string; message?: string; CancellationReasons?: { Code?: string }[] };
  if (x?.name !== 'TransactionCanceledException') return false;
  const codes = (x.CancellationReasons ?? []).map((r) => r.Code);
  return codes.includes('TransactionConflict') || !!x.message?.includes('TransactionConflict');
};

/**
 * Send a transaction, again after a conflict (slices add to their run's item at the same time;
 * a cancelled transaction wrote nothing), at most 8 times with jittered backoff.
 */
const transact = async (db: DynamoDBDocumentClient, cmd: TransactWriteCommand): Promise<void> => {
  for (let attempt = 0; ; attempt++) {
    try {
      await db.send(cmd);
      return;
    } catch (e) {
      if (!conflicted(e) || attempt >= 7) throw e;
      await new Promise((r) => setTimeout(r, Math.random() * 20 * 2 ** attempt));
    }
  }
};

/** The slice methods of the run store (see run-store.ts). */
export const runSlices = (db: DynamoDBDocumentClient, table: string) => ({
  /**
   * Plan a run's slices: the slice items and the run's `slices` count in one transaction, only by
   * the run's lease holder and only once (a lost condition: someone else planned or took over).
   */
  async planSlices(
    runId: string,
    owner: string,
    slices: RunSlice[],
    at: { at: string; message: string },
  ): Promise<void> {
    try {
      await transact(
        db,
        new TransactWriteCommand({
          TransactItems: [
            {
              Update: {
                TableName: table,
                Key: { pk: runKey.pk(runId), sk: runKey.sk },
                UpdateExpression: 'SET slices = :n, slicesDone = :z, updatedAt = :at, message = :m',
                ConditionExpression: 'leaseOwner = :o AND attribute_not_exists(slices)',
                ExpressionAttributeValues: {
                  ':n': slices.length,
                  ':z': 0,
                  ':o': owner,
                  ':at': at.at,
                  ':m': at.message,
                },
              },
            },
            ...slices.map((s) => ({
              Put: {
                TableName: table,
                Item: { ...sliceKey(runId, s.slice), ...s },
                ConditionExpression: 'attribute_not_exists(pk)',
              },
            })),
          ],
        }),
      );
    } catch (e) {
      if (isConditionFailure(e))
        throw new ConditionFailed(`run ${runId} was planned or taken over meanwhile`);
      throw e;
    }
  },

  /** Every slice of a run, in order (consistent). */
  async listSlices(runId: string): Promise<RunSlice[]> {
    const items = await queryAll(db, {
      TableName: table,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :s)',
      ExpressionAttributeValues: { ':pk': runKey.pk(runId), ':s': 'SLICE#' },
      ConsistentRead: true,
    });
    return items.map(strip).sort((a, b) => a.slice - b.slice);
  },

  /**
   * Take a slice's lease (free, expired or ours) and count the invocation; undefined when the
   * slice does not exist or another worker holds it.
   */
  async leaseSlice(
    runId: string,
    slice: number,
    owner: string,
    nowMs: number,
    ttlMs: number,
  ): Promise<RunSlice | undefined> {
    try {
      const { Attributes } = await db.send(
        new UpdateCommand({
          TableName: table,
          Key: sliceKey(runId, slice),
          UpdateExpression: 'SET leaseOwner = :o, leaseUntil = :u ADD invocations :one',
          ConditionExpression: `attribute_exists(pk) AND (${LEASE_TAKEABLE})`,
          ExpressionAttributeValues: { ':o': owner, ':u': nowMs + ttlMs, ':now': nowMs, ':one': 1 },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return Attributes ? strip(Attributes) : undefined;
    } catch (e) {
      if (isConditionFailure(e)) return undefined;
      throw e;
    }
  },

  /**
   * Checkpoint a slice's page: its cursor and counters (`patch`) under the slice's lease, and the
   * page's counts added to the run, in one transaction.
   */
  async commitSlice(
    runId: string,
    slice: number,
    owner: string,
    patch: Partial<RunSlice>,
    add: SliceCounts,
    at: string,
  ): Promise<void> {
    const s = setOf(patch, 'f');
    const adds = Object.keys(add).map((k, i) => `#a${i} :a${i}`);
    const addNames = Object.fromEntries(Object.keys(add).map((k, i) => [`#a${i}`, k]));
    const addValues = Object.fromEntries(Object.values(add).map((v, i) => [`:a${i}`, v]));
    try {
      await transact(
        db,
        new TransactWriteCommand({
          TransactItems: [
            {
              Update: {
                TableName: table,
                Key: sliceKey(runId, slice),
                UpdateExpression: `SET ${s.sets.join(', ')}`,
                ConditionExpression: 'leaseOwner = :owner',
                ExpressionAttributeNames: s.names,
                ExpressionAttributeValues: { ...s.values, ':owner': owner },
              },
            },
            {
              Update: {
                TableName: table,
                Key: { pk: runKey.pk(runId), sk: runKey.sk },
                UpdateExpression: `SET updatedAt = :at ADD ${adds.join(', ')}`,
                ConditionExpression: 'attribute_exists(pk)',
                ExpressionAttributeNames: addNames,
                ExpressionAttributeValues: { ...addValues, ':at': at },
              },
            },
          ],
        }),
      );
    } catch (e) {
      if (isConditionFailure(e)) throw lost(runId, slice);
      throw e;
    }
  },

  /**
   * End a slice (`done` or `failed`) under its lease and free it; a done slice adds one to the
   * run's `slicesDone` in the same transaction. Ends a slice once: a slice already ended is a
   * lost condition.
   */
  async endSlice(
    runId: string,
    slice: number,
    owner: string,
    end: { state: 'done' | 'failed'; message: string; failedAttempt?: number },
    at: string,
  ): Promise<void> {
    const { state, message, failedAttempt } = end;
    const update = {
      TableName: table,
      Key: sliceKey(runId, slice),
      UpdateExpression:
        'SET #st = :st, message = :m' +
        (failedAttempt !== undefined ? ', failedAttempt = :fa' : '') +
        ' REMOVE leaseOwner, leaseUntil',
      ConditionExpression: 'leaseOwner = :o AND #st = :pending',
      ExpressionAttributeNames: { '#st': 'state' },
      ExpressionAttributeValues: {
        ':st': state,
        ':m': message,
        ':o': owner,
        ':pending': 'pending',
        ...(failedAttempt !== undefined ? { ':fa': failedAttempt } : {}),
      },
    };
    const countDone = {
      TableName: table,
      Key: { pk: runKey.pk(runId), sk: runKey.sk },
      UpdateExpression: 'SET updatedAt = :at ADD slicesDone :one',
      ExpressionAttributeValues: { ':at': at, ':one': 1 },
    };
    try {
      await transact(
        db,
        new TransactWriteCommand({
          TransactItems: [{ Update: update }, ...(state === 'done' ? [{ Update: countDone }] : [])],
        }),
      );
    } catch (e) {
      if (isConditionFailure(e)) throw lost(runId, slice);
      throw e;
    }
  },

  /** A retry: slice `slice`, failed in an earlier attempt, is pending again (from its cursor). */
  reopenSlice: (runId: string, slice: number): Promise<boolean> =>
    conditional(
      db.send(
        new UpdateCommand({
          TableName: table,
          Key: sliceKey(runId, slice),
          UpdateExpression: 'SET #st = :pending REMOVE failedAttempt',
          ConditionExpression: '#st = :failed',
          ExpressionAttributeNames: { '#st': 'state' },
          ExpressionAttributeValues: { ':pending': 'pending', ':failed': 'failed' },
        }),
      ),
    ),

  /** Give up this worker's slice lease (a hand-off); a no-op when it is not ours. */
  releaseSlice: (runId: string, slice: number, owner: string): Promise<void> =>
    releaseLease(db, table, sliceKey(runId, slice), owner),
});
