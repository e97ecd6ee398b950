/**
 * One measured run in its own process. argv: mode (sync | folders | baseline) endpoint simUrl
 * tablePrefix
 *  - sync: the product's full sync (engine → upsert → DynamoDB Local), one invocation, no hand-off.
 *  - folders: the same with personal folders on and a user for each of BENCH_PHONES.
 *  - baseline: fetch every page as fast as the client can (fetch-only rate), then raw
 *    BatchWriteItem of the same items (mapped as the pool stores them) at the engine's write
 *    concurrency.
 * Prints {count, ms, fetchMs?, writeMs?, maxRssMb}.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand } from '@aws-sdk/lib-dynamodb';
import { buildLocalStack } from '#local/stack.js';
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

if (mode === 'sync' || mode === 'folders') {
  if (mode === 'folders') {
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
  process.stdout.write(`${JSON.stringify({ count: done.successCount, ms, maxRssMb: rss() })}\n`);
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
  const db = createDocClient(localClientConfig(endpoint));
  const chunks: Record<string, unknown>[][] = [];
  for (let i = 0; i < items.length; i += 25) chunks.push(items.slice(i, i + 25));
  const t1 = performance.now();
  await Promise.all(
    Array.from({ length: WRITE_CONCURRENCY }, async () => {
      for (let c = chunks.shift(); c; c = chunks.shift()) {
        let req = c.map((Item) => ({ PutRequest: { Item } }));
        while (req.length)
          req = ((
            await db.send(new BatchWriteCommand({ RequestItems: { [stack.tables.invoices]: req } }))
          ).UnprocessedItems?.[stack.tables.invoices] ?? []) as typeof req;
      }
    }),
  );
  const writeMs = performance.now() - t1;
  process.stdout.write(
    `${JSON.stringify({ count: items.length, fetchMs, writeMs, maxRssMb: rss() })}\n`,
  );
}
stack.close();
new DynamoDBClient({}).destroy();
process.exit(0);
