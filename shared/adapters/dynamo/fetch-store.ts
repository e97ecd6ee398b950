/**
 * Per-system order-fetch state (SPEC §4.6), one item per system in the interaction-log table
 * (`FETCH#<systemId>` / `STATE`, no index keys: it never shows in log listings): the cursor the
 * next fetch starts from, a short lease so one fetch of a system runs at a time, and the last
 * run's outcome. Every write is conditional on the lease its writer holds.
 */
import { GetCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { conditional } from './dynamo.js';

const key = (systemId: string) => ({ pk: `FETCH#${systemId}`, sk: 'STATE' });

export interface FetchState {
  systemId: string;
  cursor: string | null;
  /** The orderFetchUrl that issued `cursor`: a cursor never travels to another feed. */
  cursorUrl?: string;
  leaseOwner?: string;
  leaseUntil?: string;
  lastRunAt?: string;
  lastError?: string | null;
  /** Runs in a row that ended with an error (0 after a clean one). */
  failures?: number;
}

export const makeFetchStore = (db: DynamoDBDocumentClient, table: string) => ({
  async get(systemId: string): Promise<FetchState> {
    const { Item } = await db.send(
      new GetCommand({ TableName: table, Key: key(systemId), ConsistentRead: true }),
    );
    const { pk: _p, sk: _s, ...state } = Item ?? {};
    const out: FetchState = { systemId, cursor: null, ...state };
    return out;
  },

  /**
   * Take the system's lease until `until` unless another holder's lease runs past `now`. False: a
   * fetch of this system is running.
   */
  async lease(systemId: string, owner: string, now: string, until: string): Promise<boolean> {
    return conditional(
      db.send(
        new UpdateCommand({
          TableName: table,
          Key: key(systemId),
          UpdateExpression: 'SET systemId = :id, leaseOwner = :o, leaseUntil = :u',
          ConditionExpression: 'attribute_not_exists(leaseUntil) OR leaseUntil < :now',
          ExpressionAttributeValues: { ':id': systemId, ':o': owner, ':u': until, ':now': now },
        }),
      ),
    );
  },

  /**
   * Store the cursor (and the feed URL that issued it) after a page is logged; false when the
   * lease was lost (stop the run).
   */
  async saveCursor(systemId: string, owner: string, cursor: string, url: string): Promise<boolean> {
    return conditional(
      db.send(
        new UpdateCommand({
          TableName: table,
          Key: key(systemId),
          UpdateExpression: 'SET #c = :c, cursorUrl = :u',
          ConditionExpression: 'leaseOwner = :o',
          ExpressionAttributeNames: { '#c': 'cursor' },
          ExpressionAttributeValues: { ':c': cursor, ':u': url, ':o': owner },
        }),
      ),
    );
  },

  /** End the run: its outcome recorded and the lease released, if still held. */
  async release(
    systemId: string,
    owner: string,
    at: string,
    error: string | null,
  ): Promise<boolean> {
    return conditional(
      db.send(
        new UpdateCommand({
          TableName: table,
          Key: key(systemId),
          UpdateExpression: `SET lastRunAt = :at, lastError = :e, failures = ${
            error === null ? ':zero' : 'if_not_exists(failures, :zero) + :one'
          } REMOVE leaseOwner, leaseUntil`,
          ConditionExpression: 'leaseOwner = :o',
          ExpressionAttributeValues: {
            ':at': at,
            ':e': error,
            ':o': owner,
            ':zero': 0,
            ...(error === null ? {} : { ':one': 1 }),
          },
        }),
      ),
    );
  },
});
export type FetchStore = ReturnType<typeof makeFetchStore>;
