import { QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { decodeCursor, encodeCursor, putIfAbsent } from './dynamo.js';
import { linkKey } from './keys.js';

export interface Link {
  userId: string;
  invoiceId: string;
  orgId: string;
  linkedAt: string;
}

/** User ↔ invoice links: append-only (created once, never replaced or removed). */
export const makeLinkStore = (db: DynamoDBDocumentClient, table: string) => ({
  /** True when the link is new; an existing link is left exactly as it was. */
  link: (l: Link): Promise<boolean> =>
    putIfAbsent(db, table, {
      pk: linkKey.pk(l.userId),
      sk: linkKey.sk(l.invoiceId),
      gsi1pk: linkKey.gsi1pk(l.userId),
      gsi1sk: linkKey.byTime(l.linkedAt, l.invoiceId),
      gsi2pk: linkKey.gsi2pk(l.invoiceId),
      gsi2sk: linkKey.byTime(l.linkedAt, l.userId),
      ...l,
    }),

  /**
   * The invoice's users in link order (same `linkedAt`: by userId). An index read: in AWS it lags
   * behind `link`, so never decide on it right after a write (the first linked user is FIRSTUSER,
   * invoice-store).
   */
  async usersOf(invoiceId: string): Promise<string[]> {
    const { Items } = await db.send(
      new QueryCommand({
        TableName: table,
        IndexName: 'gsi2',
        KeyConditionExpression: 'gsi2pk = :p',
        ExpressionAttributeValues: { ':p': linkKey.gsi2pk(invoiceId) },
      }),
    );
    return (Items ?? []).map((i) => i.userId as string);
  },

  /** A user's folder, newest link first. */
  async folder(
    userId: string,
    limit: number,
    cursor?: string,
  ): Promise<{ items: Link[]; nextCursor: string | null }> {
    const res = await db.send(
      new QueryCommand({
        TableName: table,
        IndexName: 'gsi1',
        KeyConditionExpression: 'gsi1pk = :p',
        ExpressionAttributeValues: { ':p': linkKey.gsi1pk(userId) },
        ScanIndexForward: false,
        Limit: limit,
        ExclusiveStartKey: decodeCursor(cursor),
      }),
    );
    const items = (res.Items ?? []).map(({ userId: u, invoiceId, orgId, linkedAt }) => ({
      userId: u as string,
      invoiceId: invoiceId as string,
      orgId: orgId as string,
      linkedAt: linkedAt as string,
    }));
    return { items, nextCursor: encodeCursor(res.LastEvaluatedKey) };
  },
});
export type LinkStore = ReturnType<typeof makeLinkStore>;
