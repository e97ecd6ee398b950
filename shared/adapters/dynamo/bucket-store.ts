/**
 * Rate-limit buckets toward the invoice cloud in the RateLimits table: one item per bucket
 * (`pk` = `bucket#global` or `bucket#client#<clientId>`), updated only by conditional UpdateItem
 * (a take adds to the theoretical arrival time; a rate change needs the rate seen). A lost
 * condition answers the item as the refused write found it (`ReturnValuesOnConditionCheckFailure`:
 * no second request), so the caller plans again from it. Items expire a day after their last write.
 */
import { GetCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { BucketStore, BucketWrite } from '../cloud/limiter.js';
import type { BucketState } from '../cloud/rate-limit.js';
import { isConditionFailure } from '../../domain/errors.js';

const DAY_S = 86_400;
const keyOf = (key: string) => ({ pk: `bucket#${key}`, sk: '#' });
const stateOf = (item: Record<string, unknown> | undefined): BucketState | undefined =>
  item && {
    tat: Number(item.tat ?? 0),
    rate: Number(item.rate),
    lastThrottleAt: Number(item.lastThrottleAt ?? 0),
    lastChangeAt: Number(item.lastChangeAt ?? 0),
  };

/** The item a refused write returns, in DynamoDB's attribute-value form (numbers as `N`). */
const refusedItem = (e: unknown): Record<string, unknown> | undefined => {
  const raw = (e as { Item?: Record<string, { N?: string; S?: string }> }).Item;
  return raw && Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, v.N ?? v.S]));
};

export const makeBucketStore = (db: DynamoDBDocumentClient, table: string): BucketStore => {
  const update = async (
    key: string,
    expr: { update: string; condition: string; values: Record<string, unknown> },
  ): Promise<BucketWrite> => {
    try {
      const r = await db.send(
        new UpdateCommand({
          TableName: table,
          Key: keyOf(key),
          UpdateExpression: expr.update,
          ConditionExpression: expr.condition,
          ExpressionAttributeValues: expr.values,
          ReturnValues: 'ALL_NEW',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return { ok: true, state: stateOf(r.Attributes) };
    } catch (e) {
      if (!isConditionFailure(e)) throw e;
      const found = refusedItem(e);
      if (found) return { ok: false, state: stateOf(found) };
      const got = await db.send(
        new GetCommand({ TableName: table, Key: keyOf(key), ConsistentRead: true }),
      );
      return { ok: false, state: stateOf(got.Item) };
    }
  };
  const expiresAt = (now: number) => Math.floor(now / 1000) + DAY_S;

  return {
    take: (key, plan, now) =>
      plan.kind === 'idle'
        ? update(key, {
            update:
              'SET tat = :tat, expiresAt = :exp, rate = if_not_exists(rate, :r), ' +
              'lastThrottleAt = if_not_exists(lastThrottleAt, :zero), ' +
              'lastChangeAt = if_not_exists(lastChangeAt, :now)',
            condition: 'attribute_not_exists(pk) OR (tat <= :now AND rate = :r)',
            values: {
              ':tat': now + plan.cost,
              ':exp': expiresAt(now),
              ':r': plan.rate,
              ':zero': 0,
              ':now': now,
            },
          })
        : update(key, {
            // ADD commutes: instances taking from a busy bucket do not invalidate each other.
            update: 'ADD tat :cost SET expiresAt = :exp',
            condition: 'tat > :now AND tat <= :max AND rate = :r',
            values: {
              ':cost': plan.cost,
              ':exp': expiresAt(now),
              ':now': now,
              ':max': plan.maxTat,
              ':r': plan.rate,
            },
          }),
    setRate: (key, seen, c) =>
      update(key, {
        update:
          'SET rate = :rate, lastChangeAt = :now, expiresAt = :exp, ' +
          'tat = if_not_exists(tat, :zero), ' +
          (c.throttleAt !== undefined
            ? 'lastThrottleAt = :throttle'
            : 'lastThrottleAt = if_not_exists(lastThrottleAt, :zero)'),
        condition: 'attribute_not_exists(pk) OR rate = :seen',
        values: {
          ':rate': c.rate,
          ':now': c.now,
          ':exp': expiresAt(c.now),
          ':zero': 0,
          ':seen': seen.rate,
          ...(c.throttleAt !== undefined ? { ':throttle': c.throttleAt } : {}),
        },
      }),
  };
};
