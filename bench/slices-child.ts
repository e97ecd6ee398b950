/**
 * One measured sliced full sync in its own process. argv: endpoint prefix count slices latencyMs
 * The simulator (in this process, `slowMs` = latencyMs on every call, a stand-in for the cloud's
 * round trip) holds one org of `count` invoices over two years; the product's own path runs it:
 * the sync queue → sync-worker → (with slices > 1) slice messages in parallel → catch-up → finish.
 * Prints {count, ms, slices, pages, calls}.
 */
import { buildLocalStack } from '#local/stack.js';
import { setLogLevel } from '#shared/logger.js';
import { newRun, newRunId } from '#shared/use-cases/sync/start.js';
import { startSimulator } from '#simulator/invoice-cloud.js';
import { BENCH_ORG } from './common.js';
import { putBenchOrg } from './bench-stack.js';

setLogLevel('ERROR');
const [endpoint, prefix, countArg, slicesArg, latencyArg] = process.argv.slice(2);
const count = Number(countArg);
const slices = Number(slicesArg);
const sim = await startSimulator({
  orgs: [{ ...BENCH_ORG, input: count, output: 0, phones: [] }],
  endDate: '2024-07-22',
  days: 730,
});
sim.setFaults({ slowMs: Number(latencyArg) });
const stack = await buildLocalStack({
  dynamoEndpoint: endpoint!,
  cloudUrl: sim.url,
  tablePrefix: prefix!,
  workerBudgetMs: 900_000,
  // One slice per `slices`: the slice size is the org's size divided (1 = the single path).
  syncSlicing: { sliceSize: slices > 1 ? Math.ceil(count / slices) : count, maxSlices: slices },
});
const org = await putBenchOrg(stack);
const at = new Date();
const run = newRun({
  runId: newRunId(at),
  org,
  type: 'input',
  dataDate: null,
  trigger: 'manual',
  at: at.toISOString(),
});
await stack.deps.stores.runs.create(run);
const calls0 = sim.calls.length;
const t = performance.now();
await stack.deps.queues.sync.send({ runId: run.runId });
await stack.settle();
const ms = performance.now() - t;
const done = await stack.deps.stores.runs.get(run.runId);
if (done?.status !== 'succeeded' || done.successCount !== count)
  throw new Error(`sync did not finish: ${done?.status} ${done?.successCount} ${done?.message}`);
const out = {
  count: done.successCount,
  ms,
  slices: done.slices ?? 1,
  pages: done.pages,
  calls: sim.calls.length - calls0,
};
process.stdout.write(`${JSON.stringify(out)}\n`);
stack.close();
await sim.stop();
process.exit(0);
