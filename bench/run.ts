/**
 * `npm run bench`: P1 sync throughput, P2 memory, P3 bundles and cold start, P4 callbacks — each
 * against its own limit measured in the same run on the same machine. Prints figures and ratios
 * with targets and writes bench/out/results-<time>.json.
 *
 * Flags: --only P1,P1F,P3   --scale 0.2 (all sizes × factor)   --reps 3
 * (P1F: P1 with personal folders on; COST: item sizes and write units per invoice, docs/cost.md)
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { startDynamoLocal } from '#local/dynamo-local.js';
import { benchBundles } from './bundles.js';
import { benchCallbacks } from './callbacks.js';
import { benchCost } from './cost.js';
import { arg, fmt } from './common.js';
import { benchMemory, benchSync, withSim } from './sync.js';

const scale = Number(arg('scale', '1'));
const reps = Number(arg('reps', '3'));
const only = arg('only', 'P1,P1F,P2,P3,P4,COST').split(',');
const size = (n: number) => Math.max(1000, Math.round(n * scale));
const t0 = Date.now();
const log = (s: string) =>
  console.log(`[${((Date.now() - t0) / 1000).toFixed(0).padStart(4)} s] ${s}`);
const machine = {
  cpus: cpus().length,
  cpu: cpus()[0]?.model ?? '?',
  memGb: Math.round(totalmem() / 2 ** 30),
  node: process.version,
};
const machineLine = `${machine.cpus} × ${machine.cpu}, ${machine.memGb} GB, Node ${machine.node}`;
log(`machine: ${machineLine}; scale ${scale}, ${reps} reps`);

const dynamo = await startDynamoLocal();
const results: Record<string, unknown> = { machine, scale, reps, at: new Date().toISOString() };
const summary: string[] = [];
const verdict = (ok: boolean) => (ok ? 'meets target' : 'MISSES target');
/** A ratio over the reps: median (min–max). */
const spread = (s: { median: number; min: number; max: number }) =>
  `${fmt(s.median)} (${fmt(s.min)}–${fmt(s.max)})`;
try {
  if (only.includes('P1')) {
    const r = await benchSync(dynamo.endpoint, { count: size(100_000), reps, log });
    results.P1 = r;
    const rate = `P1 sync ${r.count} invoices: ${Math.round(r.syncPerSec)}/s`;
    const toRawWrite = `÷ raw BatchWriteItem ${spread(r.ratioToRawWrite)}`;
    const toBound = `÷ min(fetch-only, raw write) ${fmt(r.ratioToBound.median)}`;
    const meets = r.ratioToRawWrite.median >= 0.8 && r.ratioToBound.median >= 0.8;
    summary.push(`${rate}; ${toRawWrite}; ${toBound} — target ≥ 0.8: ${verdict(meets)}`);
  }
  if (only.includes('P1F')) {
    const r = await benchSync(dynamo.endpoint, { count: size(20_000), reps, log, folders: true });
    results.P1folders = { ...r, ratioToRawWrite: { ...r.ratioToRawWrite, target: null } };
    const same = r.ratioToSameItems!;
    const rate = `P1-folders sync ${r.count} invoices, folders on: ${Math.round(r.syncPerSec)}/s`;
    const items = `${fmt(r.sameItemsPerInvoice!)} items per invoice`;
    const toSame = `÷ raw BatchWriteItem of the same items (${items}) ${spread(same)}`;
    const alone = spread(r.ratioToRawWrite);
    const toInvoices = `÷ raw BatchWriteItem of the invoice items alone ${alone}`;
    const meets = same.median >= 0.7;
    summary.push(`${rate}; ${toSame} — target ≥ 0.7: ${verdict(meets)}; ${toInvoices}`);
  }
  if (only.includes('P2')) {
    const r = await benchMemory(dynamo.endpoint, {
      small: size(20_000),
      large: size(200_000),
      log,
    });
    results.P2 = r;
    const counts = `${r.large.count} ÷ ${r.small.count} invoices`;
    const peaks = `${r.large.peakRssMb} MB ÷ ${r.small.peakRssMb} MB = ${fmt(r.ratio)}`;
    summary.push(`P2 peak RSS ${counts}: ${peaks} — target ≤ 1.2: ${verdict(r.ratio <= 1.2)}`);
  }
  if (only.includes('P3')) {
    const r = await benchBundles({ runs: 7, log });
    results.P3 = r;
    const largest = `largest ${r.maxKb} KB (target ≤ 600)`;
    const imports = `import ÷ document-client-only bundle: worst ${fmt(r.maxRatio)} (target ≤ 1.5)`;
    const meets = r.maxKb <= 600 && r.maxRatio <= 1.5;
    summary.push(`P3 bundles: ${largest}, ${imports}: ${verdict(meets)}`);
  }
  if (only.includes('P4')) {
    const r = await benchCallbacks(dynamo.endpoint, { count: size(10_000), reps, log });
    results.P4 = r;
    const rate = `P4 re-push ${r.count} logs: ${Math.round(r.pushPerSec)}/s`;
    const toRawPost = `÷ raw POST ${spread(r.ratioToRawPost)}`;
    const target = `target ≥ 0.8: ${verdict(r.ratioToRawPost.median >= 0.8)}`;
    const bound = `min(raw POST, recording alone ${Math.round(r.recordOnlyPerSec)}/s)`;
    summary.push(`${rate}; ${toRawPost} — ${target}; ÷ ${bound} ${fmt(r.ratioToBound.median)}`);
    const late = r.withReceiverLatency;
    const lateRate = `re-push ${Math.round(late.pushPerSec)}/s`;
    const lateRaw = `raw POST ${Math.round(late.rawPostPerSec)}/s`;
    summary.push(
      `P4 with a ${late.receiverLatencyMs} ms receiver (each POST answered after that): ` +
        `${lateRate} ÷ ${lateRaw} ${spread(late.ratioToRawPost)} (beside the 0 ms figure above)`,
    );
  }
  if (only.includes('COST')) {
    const r = await withSim(size(5_000), (url) => benchCost(dynamo.endpoint, url, { log }), true);
    results.COST = r;
    const p = r.perInvoice;
    const wcu = `${fmt(p.baseWcu)} base + ${fmt(p.gsiWcu)} index`;
    const all = `${fmt(p.baseWcu + p.gsiWcuAll)} if every index projected ALL`;
    const total = `${fmt(p.baseWcu + p.gsiWcu)} WCU (${wcu}; ${all})`;
    summary.push(`COST per invoice (folders on): ${p.bytesStored} B stored, ${total}`);
  }
} finally {
  await dynamo.stop();
}
const dir = fileURLToPath(new URL('./out/', import.meta.url));
mkdirSync(dir, { recursive: true });
const file = `${dir}results-${new Date().toISOString().replace(/[:.]/g, '-')}.json`;
writeFileSync(file, JSON.stringify(results, null, 2));
console.log(`\nSummary (${((Date.now() - t0) / 1000).toFixed(0)} s; ${file}):`);
for (const s of summary) console.log(`  ${s}`);
process.exit(0);
