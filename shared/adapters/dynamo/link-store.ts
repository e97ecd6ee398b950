import { QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { batchPutAll } from './batch-write.js';
import { batchGetAll, decodeCursor, encodeCursor, queryAll } from './dynamo.js';
import { linkKey } from './keys.js';

export interface Link {
  userId: string;
  invoiceId: string;
  orgId: string;
  linkedAt: string;
}

/** A link's identity: one link per (user, invoice). */
export const linkId = (l: Pick<Link, 'userId' | 'invoiceId'>) => `${l.userId}\u0000${l.invoiceId}`;

const keyOf = (l: Pick<Link, 'userId' | 'invoiceId'>) => ({
  pk: linkKey.pk(l.invoiceId),
  sk: linkKey.sk(l.userId),
});
const itemOf = (l: Link) => ({
  ...keyOf(l),
  gsi1pk: linkKey.gsi1pk(l.userId),
  gsi1sk: linkKey.byTime(l.linkedAt, l.invoiceId),
  ...l,
});

/** User ↔ invoice links: append-only (created once, never replaced or removed). */
export const makeLinkStore = (db: DynamoDBDocumentClient, table: string) => ({
  /** Which of these links exist (`linkId`s), read consistently, 100 keys per BatchGetItem. */
  async existing(ls: Pick<Link, 'userId' | 'invoiceId'>[]): Promise<Set<string>> {
    const items = await batchGetAll(db, table, ls.map(keyOf));
    return new Set(items.map((i) => linkId(i as unknown as Link)));
  },

  /**
   * Create links known to be absent (found so by `existing`, or of an invoice just given its first
   * user: links are written only after it), 25 per BatchWriteItem (a whole page's links in a few
   * requests instead of a conditional write each). The key is the link's identity, so a re-put
   * never makes a second link; only two writers creating the same link at the same moment (a sync
   * and a pushed invoice) can leave the later one's `linkedAt`.
   */
  createMany: (ls: Link[]): Promise<void> => batchPutAll(db, table, ls.map(itemOf)),

  /**
   * The invoice's users in link order (same `linkedAt`: by userId): one consistent Query of the
   * invoice's partition (the first linked user that attachments are bound to is FIRSTUSER,
   * invoice-store: decided once, whatever links come later).
   */
  async usersOf(invoiceId: string): Promise<string[]> {
    const items = await queryAll(db, {
      TableName: table,
      KeyConditionExpression: 'pk = :p',
      ExpressionAttributeValues: { ':p': linkKey.pk(invoiceId) },
      ConsistentRead: true,
    });
    // By code unit, as the index's sort key used to order them (not by locale).
    const order = (i: Record<string, unknown>) => `${String(i.linkedAt)}\u0000${String(i.userId)}`;
    const byOrder = (a: Record<string, unknown>, b: Record<string, unknown>) =>
      order(a) < order(b) ? -1 : order(a) > order(b) ? 1 : 0;
    return items.sort(byOrder).map((i) => i.userId as string);
  },

  /**
   * A user's folder, newest link first; with `orgIds`, only links to those orgs' invoices (read
   * on until the page is full or after FOLDER_QUERIES reads, then answered with its cursor).
   */
  async folder(
    userId: string,
    limit: number,
    cursor?: string,
    orgIds?: readonly string[],
  ): Promise<{ items: Link[]; nextCursor: string | null }> {
    if (orgIds && !orgIds.length) return { items: [], nextCursor: null };
    const orgFilter = orgIds && {
      FilterExpression: `orgId IN (${orgIds.map((_, i) => `:o${i}`).join(', ')})`,
      values: Object.fromEntries(orgIds.map((o, i) => [`:o${i}`, o])),
    };
    const items: Link[] = [];
    let start: Record<string, unknown> | undefined = decodeCursor(cursor, {
      pk: true,
      sk: true,
      gsi1pk: linkKey.gsi1pk(userId),
      gsi1sk: true,
    });
    let reads = 0;
    do {
      reads++;
      // Limit counts links read before the filter: when the page fills, the last one read is the
      // last one kept, so LastEvaluatedKey is the right cursor.
      const res = await db.send(
        new QueryCommand({
          TableName: table,
          IndexName: 'gsi1',
          KeyConditionExpression: 'gsi1pk = :p',
          ExpressionAttributeValues: { ':p': linkKey.gsi1pk(userId), ...orgFilter?.values },
          ...(orgFilter ? { FilterExpression: orgFilter.FilterExpression } : {}),
          ScanIndexForward: false,
          Limit: limit - items.length,
          ExclusiveStartKey: start,
        }),
      );
      for (const { userId: u, invoiceId, orgId, linkedAt } of res.Items ?? [])
        items.push({
          userId: u as string,
          invoiceId: invoiceId as string,
          orgId: orgId as string,
          linkedAt: linkedAt as string,
        });
      start = res.LastEvaluatedKey;
    } while (start && items.length < limit && reads < FOLDER_QUERIES);
    return { items, nextCursor: encodeCursor(start) };
  },
});
/** Queries one filtered folder page may make (bounded work per request). */
const FOLDER_QUERIES = 10;
export type LinkStore = ReturnType<typeof makeLinkStore>;
