/**
 * Issue 18, sliced full sync: one large org's full sync through the product's queue path with
 * 1 (the single stream), 4 and 8 time slices, invoices/s and the ratio to 1 slice, P1 style (each
 * run in its own process, orders alternated, DynamoDB Local warmed first).
 *
 *   npx tsx bench/slices.ts [--count 60000] [--reps 2] [--latency 0,40]
 *
 * `--latency`: milliseconds the simulator adds to every call (0 = loopback, where DynamoDB
 * Local's write rate bounds every variant; 40 ≈ a cloud round trip, where a single stream waits
 * on the cloud and slices overlap the waits). Writes bench/out/slices-<time>.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { startDynamoLocal } from '#local/dynamo-local.js';
import { arg, child, fmt, median } from './common.js';
import { dropTables } from './bench-stack.js';

const count = Number(arg('count', '60000'));
const reps = Number(arg('reps', '2'));
const latencies = arg('latency', '0,40').split(',').map(Number);
const VARIANTS = [1, 4, 8];
const log = (s: string) => process.stdout.write(`${s}\n`);

let n = 0;
const measure = async (endpoint: string, slices: number, latency: number) => {
  const prefix = `slices${n++}`;
  try {
    const args = [endpoint, prefix, String(count), String(slices), String(latency)];
    return (await child('./slices-child.ts', args).first) as {
      count: number;
      ms: number;
      slices: number;
      calls: number;
    };
  } finally {
    await dropTables(endpoint, prefix);
  }
};

const dynamo = await startDynamoLocal();
const results: Record<string, unknown> = { count, reps, at: new Date().toISOString() };
try {
  log(`sliced full sync: ${count} invoices over 2 years, slices ${VARIANTS.join(' / ')}`);
  log('warming DynamoDB Local with one single-stream run…');
  await measure(dynamo.endpoint, 1, 0);
  for (const latency of latencies) {
    const rates: Record<number, number[]> = Object.fromEntries(VARIANTS.map((v) => [v, []]));
    for (let r = 0; r < reps; r++) {
      const order = r % 2 ? [...VARIANTS].reverse() : VARIANTS;
      for (const v of order) {
        const m = await measure(dynamo.endpoint, v, latency);
        const rate = m.count / (m.ms / 1000);
        rates[v]!.push(rate);
        const calls = `${m.calls} cloud calls`;
        log(`  latency ${latency} ms, ${m.slices} slice(s): ${fmt(rate, 0)}/s (${calls})`);
      }
    }
    const base = median(rates[1]!);
    const row = VARIANTS.map((v) => ({ slices: v, rate: median(rates[v]!), ratio: 0 }));
    for (const x of row) x.ratio = x.rate / base;
    results[`latency${latency}`] = row;
    const line = row.map((x) => `${x.slices}: ${fmt(x.rate, 0)}/s (× ${fmt(x.ratio)})`);
    log(`latency ${latency} ms per cloud call — ${line.join(', ')}`);
  }
  const dir = fileURLToPath(new URL('./out/', import.meta.url));
  mkdirSync(dir, { recursive: true });
  const file = `${dir}slices-${new Date().toISOString().replace(/[:.]/g, '-')}.json`;
  writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
  log(`written ${file}`);
} finally {
  await dynamo.stop();
}
