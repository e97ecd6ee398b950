/**
 * One measured run in its own process. argv: mode (sync | folders | cost | baseline) endpoint
 * simUrl tablePrefix
 *  - sync: the product's full sync (engine → upsert → DynamoDB Local), one invocation, no hand-off.
 *  - folders: the same with personal folders on and a user for each of BENCH_PHONES; then every
 *    pool item it wrote (invoices, first users, links) is read back and raw-BatchWriteItem'd into
 *    fresh tables of the same definitions (`sameItemsWriteMs`: the emulator's cost of that item
 *    set, what P1-folders is measured against beside the invoice-only baseline).
 *  - cost: folders without that replay (the cost bench sizes what the sync wrote).
 *  - baseline: fetch every page as fast as the client can (fetch-only rate), then raw
 *    BatchWriteItem of the same items (mapped as the pool stores them) at the engine's write
 *    concurrency.
 * Prints {count, ms, fetchMs?, writeMs?, sameItems?, sameItemsWriteMs?, maxRssMb}.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, ScanCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { buildLocalStack } from '#local/stack.js';
import { createTables } from '#shared/adapters/dynamo/create-tables.js';
import { localTableNames } from '#shared/adapters/dynamo/tables.js';
import { localClientConfig } from '#local/dynamo-local.js';
import { createCloudClient } from '#shared/adapters/cloud/client.js';
import { setLogLevel } from '#shared/logger.js';
import { toCloudItem } from '#shared/adapters/dynamo/invoice-items.js';
import { cloudInvoiceSchema } from '#shared/domain/schemas/cloud.js';
import { createDocClient } from '#shared/adapters/dynamo/dynamo.js';
import { runSyncStep } from '#shared/use-cases/sync/engine.js';
import { newRun, newRunId } from '#shared/use-cases/sync/start.js';
import { WRITE_CONCURRENCY } from '#shared/adapters/dynamo/invoice-store.js';
import { BENCH_ORG, BENCH_PHONES } from './common.js';
import { putBenchOrg } from './bench-stack.js';

setLogLevel('ERROR');
const [mode, endpoint, simUrl, prefix] = process.argv.slice(2) as [string, string, string, string];
const stack = await buildLocalStack({
  dynamoEndpoint: endpoint,
  cloudUrl: simUrl,
  tablePrefix: prefix,
});
const auth = {
  clientId: BENCH_ORG.clientId,
  clientSecret: BENCH_ORG.clientSecret,
  taxNo: BENCH_ORG.taxNo,
};
const rss = () => Math.round(process.resourceUsage().maxRSS / 1024);
const db = createDocClient(localClientConfig(endpoint));

/** BatchWriteItem of these items, 25 per request, WRITE_CONCURRENCY requests in flight. */
const rawWrite = async (byTable: [string, Record<string, unknown>[]][]): Promise<number> => {
  type Put = { PutRequest: { Item: Record<string, unknown> } };
  const chunks: [string, Put[]][] = [];
  for (const [table, items] of byTable)
    for (let i = 0; i < items.length; i += 25)
      chunks.push([table, items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } }))]);
  const t = performance.now();
  await Promise.all(
    Array.from({ length: WRITE_CONCURRENCY }, async () => {
      for (let c = chunks.shift(); c; c = chunks.shift()) {
        const table = c[0];
        let req = c[1];
        while (req.length)
          req = ((await db.send(new BatchWriteCommand({ RequestItems: { [table]: req } })))
            .UnprocessedItems?.[table] ?? []) as Put[];
      }
    }),
  );
  return performance.now() - t;
};

const scan = async (client: DynamoDBDocumentClient, table: string) => {
  const out: Record<string, unknown>[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await client.send(new ScanCommand({ TableName: table, ExclusiveStartKey: start }));
    out.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
  } while (start);
  return out;
};

if (mode !== 'baseline') {
  if (mode !== 'sync') {
    await stack.deps.stores.config.patchConfig(
      { personalFolderSync: true },
      new Date().toISOString(),
    );
    for (const [i, phone] of BENCH_PHONES.entries())
      await stack.deps.stores.users.put({
        userId: `u${i}`,
        name: `User ${i}`,
        phone,
        orgIds: ['bench'],
        updatedAt: new Date().toISOString(),
      });
  }
  const org = await putBenchOrg(stack);
  const run = newRun({
    runId: newRunId(new Date()),
    org,
    type: 'input',
    dataDate: null,
    trigger: 'manual',
    at: new Date().toISOString(),
  });
  await stack.deps.stores.runs.create(run);
  const t = performance.now();
  const res = await runSyncStep(run.runId, stack.deps, {
    owner: 'bench',
    remainingMs: () => 3_600_000,
    reserveMs: 0,
  });
  const ms = performance.now() - t;
  const done = await stack.deps.stores.runs.get(run.runId);
  if (res !== 'done' || done?.status !== 'succeeded')
    throw new Error(`sync did not finish: ${res} ${done?.status} ${done?.message}`);
  const out: Record<string, number> = { count: done.successCount, ms, maxRssMb: rss() };
  if (mode === 'folders') {
    const same = localTableNames(`${prefix}same`);
    const raw = new DynamoDBClient(localClientConfig(endpoint));
    await createTables(raw, same);
    raw.destroy();
    const pool: [string, Record<string, unknown>[]][] = [
      [same.invoices, await scan(db, stack.tables.invoices)],
      [same.links, await scan(db, stack.tables.links)],
    ];
    out.sameItems = pool.reduce((n, [, items]) => n + items.length, 0);
    out.sameItemsWriteMs = await rawWrite(pool);
  }
  process.stdout.write(`${JSON.stringify(out)}\n`);
} else {
  const cloud = createCloudClient({ baseUrl: simUrl });
  const t0 = performance.now();
  const pages: unknown[][] = [];
  const first = await cloud.listInvoices(auth, 'input', { pageNo: 1, pageSize: 500 });
  pages.push(first.list);
  for (let p = 2; p <= Math.ceil(first.total / 500); p++)
    pages.push((await cloud.listInvoices(auth, 'input', { pageNo: p, pageSize: 500 })).list);
  const fetchMs = performance.now() - t0;
  const at = new Date().toISOString();
  const items = pages
    .flat()
    .map((r) => toCloudItem('bench', 'input', cloudInvoiceSchema.parse(r), at));
  const writeMs = await rawWrite([[stack.tables.invoices, items]]);
  process.stdout.write(
    `${JSON.stringify({ count: items.length, fetchMs, writeMs, maxRssMb: rss() })}\n`,
  );
}
stack.close();
process.exit(0);
