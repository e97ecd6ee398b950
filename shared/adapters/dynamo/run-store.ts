import { GetCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ConditionFailed, isConditionFailure } from '../../domain/errors.js';
import type { Run, RunStatus } from '../../domain/schemas/sync.js';
import { conditional, newestFirst, putIfAbsent } from './dynamo.js';
import { runKey } from './keys.js';
import { LEASE_TAKEABLE, releaseLease, runSlices, setOf } from './run-slices.js';

const indexKeys = (r: Pick<Run, 'orgId' | 'status' | 'createdAt' | 'runId'>) => ({
  gsi1pk: runKey.gsi1pk,
  gsi1sk: runKey.byTime(r.createdAt, r.runId),
  gsi2pk: runKey.gsi2pk(r.orgId),
  gsi2sk: runKey.byTime(r.createdAt, r.runId),
  gsi3pk: runKey.gsi3pk(r.status),
  gsi3sk: runKey.byTime(r.createdAt, r.runId),
});

const strip = (i: Record<string, unknown>): Run => {
  const {
    pk: _pk,
    sk: _sk,
    gsi1pk: _a,
    gsi1sk: _b,
    gsi2pk: _c,
    gsi2sk: _d,
    gsi3pk: _e,
    gsi3sk: _f,
    leaseOwner: _g,
    leaseUntil: _h,
    ...run
  } = i;
  return run as unknown as Run;
};

/**
 * The org-and-kind lease item (one active run per org and kind); no index keys, so never listed.
 */
const orgLeaseKey = (orgId: string, kind: string) => ({
  pk: `RUNLEASE#${orgId}#${kind}`,
  sk: 'LEASE',
});

export interface RunFilter {
  orgId?: string | undefined;
  type?: string | undefined;
  status?: RunStatus | undefined;
  dataDate?: string | undefined;
}

/**
 * The sync run log. Runs are created once (conditional) and updated under a lease by one worker at
 * a time.
 */
export const makeRunStore = (db: DynamoDBDocumentClient, table: string) => ({
  /** A sliced full sync's slices (run-slices.ts). */
  ...runSlices(db, table),

  /** Create; false when a run with that id exists already (a re-run schedule). */
  create: (run: Run): Promise<boolean> =>
    putIfAbsent(db, table, { pk: runKey.pk(run.runId), sk: runKey.sk, ...indexKeys(run), ...run }),

  async get(runId: string): Promise<Run | undefined> {
    const { Item } = await db.send(
      new GetCommand({
        TableName: table,
        Key: { pk: runKey.pk(runId), sk: runKey.sk },
        ConsistentRead: true,
      }),
    );
    return Item ? strip(Item) : undefined;
  },

  /**
   * Take the run's lease (free, expired or ours). Returns the run or undefined when another worker
   * holds it.
   */
  async lease(
    runId: string,
    owner: string,
    nowMs: number,
    ttlMs: number,
  ): Promise<Run | undefined> {
    try {
      const { Attributes } = await db.send(
        new UpdateCommand({
          TableName: table,
          Key: { pk: runKey.pk(runId), sk: runKey.sk },
          UpdateExpression: 'SET leaseOwner = :o, leaseUntil = :u',
          ConditionExpression: `attribute_exists(pk) AND (${LEASE_TAKEABLE})`,
          ExpressionAttributeValues: { ':o': owner, ':u': nowMs + ttlMs, ':now': nowMs },
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
   * Set fields of a run. With `owner`, only while that worker holds the lease (a checkpoint);
   * with `expectStatus`, only from that status. Index keys follow the status.
   */
  async update(
    runId: string,
    patch: Partial<Run> & { createdAt: string; orgId: string },
    guard: {
      owner?: string;
      expectStatus?: RunStatus[];
      release?: boolean;
      notRound?: string;
    } = {},
  ): Promise<Run> {
    const fields: Record<string, unknown> = { ...patch };
    if (patch.status)
      Object.assign(fields, {
        gsi3pk: runKey.gsi3pk(patch.status),
        gsi3sk: runKey.byTime(patch.createdAt, runId),
      });
    delete fields.createdAt;
    delete fields.orgId;
    const { sets, names, values } = setOf(fields, 'f');
    // An empty SET is not an update DynamoDB takes: say so here, not as a ValidationException
    // later.
    if (!sets.length) throw new Error(`run ${runId}: update without fields (use release)`);
    const conds = ['attribute_exists(pk)'];
    if (guard.owner) {
      conds.push('leaseOwner = :owner');
      values[':owner'] = guard.owner;
    }
    if (guard.expectStatus) {
      names['#st'] = 'status';
      conds.push(`#st IN (${guard.expectStatus.map((s, i) => `:es${i}`).join(', ')})`);
      guard.expectStatus.forEach((s, i) => (values[`:es${i}`] = s));
    }
    if (guard.notRound) {
      conds.push('(attribute_not_exists(retryRound) OR retryRound <> :round)');
      values[':round'] = guard.notRound;
    }
    const releaseLease = guard.release ? ' REMOVE leaseOwner, leaseUntil' : '';
    try {
      const { Attributes } = await db.send(
        new UpdateCommand({
          TableName: table,
          Key: { pk: runKey.pk(runId), sk: runKey.sk },
          UpdateExpression: `SET ${sets.join(', ')}${releaseLease}`,
          ConditionExpression: conds.join(' AND '),
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ReturnValues: 'ALL_NEW',
        }),
      );
      return strip(Attributes ?? {});
    } catch (e) {
      if (isConditionFailure(e))
        throw new ConditionFailed(`run ${runId} changed meanwhile (lease lost or status moved)`);
      throw e;
    }
  },

  /**
   * Give up this worker's lease, nothing else; a no-op when the lease is not (or no longer) ours.
   */
  release: (runId: string, owner: string): Promise<void> =>
    releaseLease(db, table, { pk: runKey.pk(runId), sk: runKey.sk }, owner),

  /**
   * Frees a run's lease whoever holds it, while the run is still `status` (local mode, at start:
   * the holder is a process that is gone). A run that moved on meanwhile is left as it is.
   */
  async freeLease(runId: string, status: RunStatus): Promise<void> {
    await conditional(
      db.send(
        new UpdateCommand({
          TableName: table,
          Key: { pk: runKey.pk(runId), sk: runKey.sk },
          UpdateExpression: 'REMOVE leaseOwner, leaseUntil',
          ConditionExpression: '#s = :s',
          ExpressionAttributeNames: { '#s': 'status' },
          ExpressionAttributeValues: { ':s': status },
        }),
      ),
    );
  },

  /**
   * One active run per org and kind: take the org's lease for `runId` (free, expired or already
   * this run's). Returns undefined when taken, else the run id holding it. Runs of one org never
   * interleave their writes, so an older fetch cannot overwrite what a newer run wrote.
   */
  async leaseOrg(
    orgId: string,
    kind: string,
    runId: string,
    nowMs: number,
    ttlMs: number,
  ): Promise<string | undefined> {
    try {
      await db.send(
        new UpdateCommand({
          TableName: table,
          Key: orgLeaseKey(orgId, kind),
          UpdateExpression: 'SET holder = :r, leaseUntil = :u',
          ConditionExpression: 'attribute_not_exists(holder) OR leaseUntil < :now OR holder = :r',
          ExpressionAttributeValues: { ':r': runId, ':u': nowMs + ttlMs, ':now': nowMs },
        }),
      );
      return undefined;
    } catch (e) {
      if (!isConditionFailure(e)) throw e;
      const { Item } = await db.send(
        new GetCommand({ TableName: table, Key: orgLeaseKey(orgId, kind), ConsistentRead: true }),
      );
      return (Item?.holder as string | undefined) ?? 'another run';
    }
  },

  /** Free the org's lease if `runId` holds it. */
  async releaseOrg(orgId: string, kind: string, runId: string): Promise<void> {
    await conditional(
      db.send(
        new UpdateCommand({
          TableName: table,
          Key: orgLeaseKey(orgId, kind),
          UpdateExpression: 'REMOVE holder, leaseUntil',
          ConditionExpression: 'holder = :r',
          ExpressionAttributeValues: { ':r': runId },
        }),
      ),
    );
  },

  /** Every run in a status, page by page (the retry job's and a success's sweep). */
  async *withStatus(status: RunStatus): AsyncGenerator<Run> {
    for (let cursor: string | undefined, more = true; more;) {
      const page = await this.list({ status }, 200, cursor);
      yield* page.items;
      cursor = page.nextCursor ?? undefined;
      more = page.nextCursor !== null;
    }
  },

  /** Newest first; the most selective index for the filter, the rest as a filter expression. */
  list(
    f: RunFilter,
    limit: number,
    cursor?: string,
  ): Promise<{ items: Run[]; nextCursor: string | null }> {
    const [index, pk] = f.orgId
      ? ['gsi2', runKey.gsi2pk(f.orgId)]
      : f.status
        ? ['gsi3', runKey.gsi3pk(f.status)]
        : ['gsi1', runKey.gsi1pk];
    return newestFirst(db, {
      table,
      index,
      pk,
      equals: { type: f.type, dataDate: f.dataDate, status: f.orgId ? f.status : undefined },
      limit,
      cursor,
      map: strip,
    });
  },
});
export type RunStore = ReturnType<typeof makeRunStore>;
