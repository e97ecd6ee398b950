/**
 * `npm run bench:fleet`: the real fan-out (manual-sync or the daily schedule handler → sync queue
 * → sync workers at the deployed concurrency cap → shared rate limiter → the simulator with
 * per-client and global limits) on DynamoDB Local at reduced scale. Prints cloud-limit violations
 * (target 0), orgs completed (target all), fairness (p50/p99 org finish), invoices/s, cloud
 * calls/s against the limit, and the extrapolation to 10,000 orgs × 200,000 invoices on AWS
 * (fleet-model.ts). Writes bench/out/fleet-<time>.json.
 *
 * Flags: --orgs 500 --invoices 200 --mode full|daily --workers <cap> --cloud-rps 40
 *        --cloud-client-rps 10 (the simulated vendor's limits; the product runs at 80 % of them)
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Context, SQSEvent } from 'aws-lambda';
import { FUNCTIONS } from '#functions/catalog.js';
import { startDynamoLocal, localClientConfig } from '#local/dynamo-local.js';
import { lambdaContext } from '#local/lambda.js';
import { buildLocalStack } from '#local/stack.js';
import type { LimiterStats } from '#shared/adapters/cloud/limiter.js';
import { cloudLimits } from '#shared/adapters/cloud/rate-limit.js';
import { createDocClient } from '#shared/adapters/dynamo/dynamo.js';
import { cstDate } from '#shared/domain/time/cst.js';
import { startSimulator } from '#simulator/invoice-cloud.js';
import { arg, fmt } from './common.js';
import { measureInvoiceWrites } from './fleet-items.js';
import { AWS_ASSUMPTIONS, describe, extrapolate } from './fleet-model.js';
import { mapLimit, percentile, semaphore, syncOutcome } from './fleet-support.js';

// 500 by default: ≤ 3 minutes on a loaded 2-core machine; `--orgs 1000` for 1/10 of the fleet.
const ORGS = Number(arg('orgs', '500'));
const PER_ORG = Number(arg('invoices', '200'));
const MODE = arg('mode', 'full') === 'daily' ? 'daily' : 'full';
const CAP = FUNCTIONS['sync-worker'].maxConcurrency;
const WORKERS = Number(arg('workers', String(CAP)));
const CLOUD = {
  globalRps: Number(arg('cloud-rps', '40')),
  globalBurst: 20,
  clientRps: Number(arg('cloud-client-rps', '10')),
  clientBurst: 5,
};
const SHARE = 0.8;
const PRODUCT = cloudLimits({
  globalRps: CLOUD.globalRps * SHARE,
  globalBurst: CLOUD.globalBurst / 2,
  clientRps: CLOUD.clientRps * SHARE,
  clientBurst: Math.max(1, Math.floor(CLOUD.clientBurst / 2)),
  leaseMs: 200,
});
const t0 = Date.now();
const log = (s: string) =>
  console.log(`[${((Date.now() - t0) / 1000).toFixed(0).padStart(4)} s] ${s}`);

log(
  `fleet: ${ORGS} orgs × ${PER_ORG} invoices, ${MODE} sync, ${WORKERS} workers (deployed cap ` +
    `${CAP}); cloud limits ${CLOUD.globalRps}/s in all, ${CLOUD.clientRps}/s per client`,
);
const dynamo = await startDynamoLocal();
const specs = Array.from({ length: ORGS }, (_, i) => ({
  taxNo: `91330100FLEET${String(i).padStart(6, '0')}`,
  orgName: `Fleet org ${i}`,
  clientId: `fleet-${i}`,
  clientSecret: `fleet-secret-${i}`,
  input: PER_ORG,
  output: 0,
}));
const sim = await startSimulator({
  orgs: specs,
  endDate: cstDate(new Date()),
  days: MODE === 'daily' ? 2 : 30,
  limits: { ...CLOUD, answer: '429' },
});
const stack = await buildLocalStack({
  dynamoEndpoint: dynamo.endpoint,
  cloudUrl: sim.url,
  cloudLimits: PRODUCT,
});
try {
  const operator = stack.token({ sub: 'fleet-op', roles: ['operator'] });
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${operator}` };
  await mapLimit(specs, 16, async (s, i) => {
    const body = JSON.stringify({ ...s, input: undefined, output: undefined });
    const r = await stack.http('PUT', `/orgs/f${i}`, headers, body);
    if (r.status >= 300) throw new Error(`registering org f${i}: ${r.status} ${r.body}`);
    if ((i + 1) % 200 === 0) log(`registered ${i + 1} / ${ORGS} orgs`);
  });
  sim.resetTraffic();

  // The sync queue's consumer at the deployed cap: messages wait in the queue, as with SQS
  // maxConcurrency; each invocation gets the worker's full time budget when it starts.
  const slots = semaphore(WORKERS);
  const finishedAt: number[] = [];
  let busyMs = 0;
  const worker = stack.handlers['sync-worker'] as (e: SQSEvent, c: Context) => Promise<unknown>;
  const timeoutMs = FUNCTIONS['sync-worker'].timeout * 1000;
  stack.queues.sync.consumer = async (event: SQSEvent) => {
    await slots.acquire();
    const started = Date.now();
    try {
      return await worker(event, lambdaContext('sync-worker', timeoutMs));
    } finally {
      busyMs += Date.now() - started;
      slots.release();
      const done = await syncOutcome(stack.deps.stores.runs, event);
      if (done === 'succeeded') finishedAt.push(Date.now());
    }
  };

  const start = Date.now();
  const fanOut =
    MODE === 'full'
      ? ((await stack.invoke('manual-sync', { type: 'input' })) as { runs: unknown[] }).runs
      : (
          (await stack.invoke('daily-sync', { time: new Date().toISOString() })) as {
            created: unknown[];
          }
        ).created;
  const expected = fanOut.length;
  log(`${expected} runs queued by the ${MODE === 'full' ? 'manual-sync' : 'daily-sync'} handler`);
  const progress = setInterval(() => {
    const secs = (Date.now() - start) / 1000;
    const { requests, violations } = sim.traffic;
    log(
      `${finishedAt.length} / ${expected} runs done; ${requests} cloud calls ` +
        `(${fmt(requests / secs, 1)}/s), ${violations.total} violations`,
    );
  }, 5000);
  await stack.settle();
  clearInterval(progress);
  const elapsedS = (Date.now() - start) / 1000;

  const runs = stack.deps.stores.runs;
  let synced = 0;
  let pages = 0;
  let succeeded = 0;
  for await (const r of runs.withStatus('succeeded')) {
    succeeded++;
    synced += r.successCount;
    pages += r.pages;
  }
  const unfinished = expected - succeeded;
  const since = finishedAt.map((t) => (t - start) / 1000).sort((a, b) => a - b);
  const traffic = sim.traffic;
  const writes = await measureInvoiceWrites(
    createDocClient(localClientConfig(dynamo.endpoint)),
    stack.tables.invoices,
  );
  const stats = (stack.limiter as { stats?: LimiterStats } | undefined)?.stats;
  // Worker time net of rate-limit waits: those are the cloud's limit, counted there.
  const workMs = busyMs - (stats?.waitedMs ?? 0);
  const measured = {
    overheadCallsPerOrg: Math.max(0, (traffic.requests - pages) / ORGS),
    workerMsPerInvoice: workMs / Math.max(1, synced),
    wruPerInvoice: writes.wruPerInvoice,
  };
  const assumptions = AWS_ASSUMPTIONS;
  const model = extrapolate(assumptions, measured);
  const result = {
    at: new Date().toISOString(),
    scale: { orgs: ORGS, invoicesPerOrg: PER_ORG, mode: MODE, workers: WORKERS },
    cloudLimits: CLOUD,
    productLimits: PRODUCT,
    elapsedS,
    runs: { expected, succeeded, unfinished, errors: stack.errors.length },
    invoices: synced,
    invoicesPerS: synced / elapsedS,
    cloud: {
      calls: traffic.requests,
      callsPerS: traffic.requests / elapsedS,
      peakPerSecond: traffic.peakPerSecond,
      violations: traffic.violations.total,
    },
    fairness: { p50S: percentile(since, 50), p99S: percentile(since, 99), maxS: since.at(-1) },
    workers: { busyS: busyMs / 1000, utilisation: busyMs / 1000 / elapsedS / WORKERS },
    limiter: stats,
    itemWrites: writes,
    measured,
    assumptions,
    extrapolation: model,
  };
  const dir = fileURLToPath(new URL('./out/', import.meta.url));
  mkdirSync(dir, { recursive: true });
  const file = `${dir}fleet-${result.at.replace(/[:.]/g, '-')}.json`;
  writeFileSync(file, JSON.stringify(result, null, 2));

  const verdict = (ok: boolean) => (ok ? 'meets target' : 'MISSES target');
  const c = result.cloud;
  console.log(`\nSummary (${fmt(elapsedS, 0)} s of sync; ${file}):`);
  console.log(`  cloud limit violations: ${c.violations} — target 0: ${verdict(!c.violations)}`);
  console.log(
    `  runs completed: ${succeeded} / ${expected} (${ORGS} orgs) — target all: ` +
      verdict(unfinished === 0),
  );
  console.log(
    `  fairness: org finish p50 ${fmt(result.fairness.p50S, 1)} s, p99 ` +
      `${fmt(result.fairness.p99S, 1)} s, last ${fmt(result.fairness.maxS ?? 0, 1)} s`,
  );
  console.log(`  invoices: ${synced} at ${fmt(result.invoicesPerS, 0)}/s`);
  const waited = `${fmt((stats?.waitedMs ?? 0) / 1000, 1)} s waited for tokens`;
  const shared = `${stats?.writes ?? 0} bucket writes (${stats?.lost ?? 0} lost conditions)`;
  console.log(`  limiter: ${shared}, ${waited}, ${stats?.decreases ?? 0} AIMD decreases`);
  const limit = (l: { rps: number; burst: number }) => `${l.rps}/s burst ${l.burst}`;
  const cloudAll = limit({ rps: CLOUD.globalRps, burst: CLOUD.globalBurst });
  const cloudOne = limit({ rps: CLOUD.clientRps, burst: CLOUD.clientBurst });
  console.log(
    `  cloud calls: ${c.calls} at ${fmt(c.callsPerS, 1)}/s (peak second ${c.peakPerSecond.global}` +
      `, one client ${c.peakPerSecond.client}) vs limit ${cloudAll} in all (product ` +
      `${limit(PRODUCT.global)}), ${cloudOne} per client (product ${limit(PRODUCT.client)})`,
  );
  console.log(
    `  workers: ${WORKERS}, utilisation ${fmt(result.workers.utilisation * 100, 0)} %; items ` +
      `${fmt(writes.bytesPerItem, 0)} bytes, ${fmt(writes.wruPerInvoice)} WRU per invoice`,
  );
  for (const line of describe(assumptions, measured, model)) console.log(`  ${line}`);
} finally {
  await sim.stop();
  stack.close();
  await dynamo.stop();
}
process.exit(0);
