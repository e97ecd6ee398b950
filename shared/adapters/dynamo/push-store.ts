/**
 * The push consumer's records in the config table: one create-once marker per stored message
 * (`PUSHMSG#<orgId>#<msgId>`, expiring by TTL) and the org's counts, written in one transaction so
 * a message is counted exactly once, whoever records it first.
 */
import {
  GetCommand,
  TransactWriteCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import type { PushStats } from '../../domain/schemas/config.js';
import { batchGetAll, conditional } from './dynamo.js';
import { configKey } from './keys.js';

/** Key layouts of the push consumer's items in the config table (beside those of keys.ts). */
const pushKey = {
  /** The push consumer's counts for an org, beside the org item (PUT /orgs replaces that one). */
  stats: (orgId: string) => ({ pk: configKey.org(orgId).pk, sk: 'PUSHSTATS' }),
  /** A stored push message: created once, expires (TTL) long after any redelivery. */
  message: (orgId: string, msgId: string) => ({ pk: `PUSHMSG#${orgId}#${msgId}`, sk: 'PUSHMSG' }),
};

/** How long a marker outlives its message: far beyond any redelivery of an unacknowledged one. */
const PUSH_MARKER_TTL_DAYS = 30;

const statsOf = (item: Record<string, unknown> | undefined): PushStats => ({
  lastPushAt: (item?.lastPushAt as string | undefined) ?? null,
  pushedMessages: Number(item?.pushedMessages ?? 0),
  pushedInvoices: Number(item?.pushedInvoices ?? 0),
});

export const makePushStore = (db: DynamoDBDocumentClient, table: string) => ({
  /** Whether this message was stored before (strongly consistent). */
  async seen(orgId: string, msgId: string): Promise<boolean> {
    const { Item } = await db.send(
      new GetCommand({
        TableName: table,
        Key: pushKey.message(orgId, msgId),
        ConsistentRead: true,
        ProjectionExpression: 'pk',
      }),
    );
    return Item !== undefined;
  },

  /**
   * Records a stored message: its marker (create-once) and the org's counts (ADD) in one
   * transaction. `false` when the marker already existed (nothing counted).
   */
  async recordStored(orgId: string, msgId: string, invoices: number, at: Date): Promise<boolean> {
    const expiresAt = Math.floor(at.getTime() / 1000) + PUSH_MARKER_TTL_DAYS * 86_400;
    return conditional(
      db.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: table,
                Item: {
                  ...pushKey.message(orgId, msgId),
                  orgId,
                  msgId,
                  invoices,
                  storedAt: at.toISOString(),
                  expiresAt,
                },
                ConditionExpression: 'attribute_not_exists(pk)',
              },
            },
            {
              Update: {
                TableName: table,
                Key: pushKey.stats(orgId),
                UpdateExpression: 'ADD pushedMessages :one, pushedInvoices :n SET lastPushAt = :at',
                ExpressionAttributeValues: { ':one': 1, ':n': invoices, ':at': at.toISOString() },
              },
            },
          ],
        }),
      ),
    );
  },

  async stats(orgId: string): Promise<PushStats> {
    const { Item } = await db.send(new GetCommand({ TableName: table, Key: pushKey.stats(orgId) }));
    return statsOf(Item);
  },

  /** The counts of several orgs in batched reads: a map holding every asked org. */
  async statsMany(orgIds: string[]): Promise<Map<string, PushStats>> {
    const items = await batchGetAll(db, table, orgIds.map(pushKey.stats));
    const byPk = new Map(items.map((i) => [i.pk as string, i]));
    return new Map(orgIds.map((o) => [o, statsOf(byPk.get(pushKey.stats(o).pk))]));
  },
});
export type PushStore = ReturnType<typeof makePushStore>;
