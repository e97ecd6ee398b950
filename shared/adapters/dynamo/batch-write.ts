import { BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Put items with BatchWriteItem, 25 per request and `concurrency` requests in flight, retrying
 * unprocessed items with backoff. Only for items whose put is idempotent (a deterministic key whose
 * re-put writes the same item, or a key nobody else writes): BatchWriteItem takes no condition.
 */
export const batchPutAll = async (
  db: DynamoDBDocumentClient,
  table: string,
  items: Record<string, unknown>[],
  concurrency = 4,
): Promise<void> => {
  const chunks: Record<string, unknown>[][] = [];
  for (let i = 0; i < items.length; i += 25) chunks.push(items.slice(i, i + 25));
  const worker = async () => {
    for (let c = chunks.shift(); c; c = chunks.shift()) {
      let req = c.map((Item) => ({ PutRequest: { Item } }));
      for (let attempt = 0; req.length; attempt++) {
        if (attempt) await sleep(25 * 2 ** Math.min(attempt, 6) * Math.random());
        const res = await db.send(new BatchWriteCommand({ RequestItems: { [table]: req } }));
        req = (res.UnprocessedItems?.[table] ?? []) as typeof req;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, chunks.length) }, worker));
};
