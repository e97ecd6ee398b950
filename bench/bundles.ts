/**
 * P3 cold start and size: every function bundled as CDK bundles it (esbuild, ESM, minified, AWS SDK
 * left to the runtime), then the module import time of each, in fresh processes, against a bundle
 * holding only the DynamoDB document client.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { DLQ_ENV, FUNCTIONS, type FunctionName } from '#functions/catalog.js';
import { TABLES } from '#shared/adapters/dynamo/tables.js';
import { fmt, median } from './common.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const out = `${root}bench/out/bundles`;
const env: Record<string, string> = {
  ...process.env,
  AWS_REGION: 'ap-east-1',
  AWS_ACCESS_KEY_ID: 'x',
  AWS_SECRET_ACCESS_KEY: 'x',
  SYNC_QUEUE_URL: 'https://sqs/q',
  WRITEBACK_QUEUE_URL: 'https://sqs/w',
  CALLBACK_QUEUE_URL: 'https://sqs/c',
  POWERTOOLS_LOG_LEVEL: 'ERROR',
  // What the stack gives the functions that hold secrets and verify tokens.
  SECRETS_PREFIX: 'bench/',
  AUTH_SECRET_ARN: 'arn:aws:secretsmanager:ap-east-1:000000000000:secret:bench-token-AbCdEf',
};
for (const t of Object.values(TABLES)) env[t.env] = 'bench-table';
// The redriving function's dead-letter queues (ops-api).
for (const q of Object.values(DLQ_ENV)) {
  env[q.url] = 'https://sqs/dlq';
  env[q.arn] = env[q.sourceArn] = 'arn:aws:sqs:ap-east-1:000000000000:bench';
}

const bundle = async (entry: string, name: string) => {
  const outfile = `${out}/${name}.mjs`;
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node22',
    minify: true,
    mainFields: ['module', 'main'],
    external: ['@aws-sdk/*'],
    banner: {
      js: "import { createRequire } from 'module'; const require = createRequire(import.meta.url);",
    },
    logLevel: 'error',
  });
  return { outfile, bytes: statSync(outfile).size };
};

/** Median wall time of `import(file)` in fresh Node processes. */
const importMs = (file: string, runs: number): number => {
  const times: number[] = [];
  const timedImport = [
    'const t = performance.now();',
    `await import(${JSON.stringify(file)});`,
    'console.log(performance.now() - t);',
  ].join(' ');
  for (let i = 0; i < runs; i++) {
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', timedImport], {
      env,
      encoding: 'utf8',
    });
    if (r.status !== 0) throw new Error(`importing ${file} failed: ${r.stderr}`);
    times.push(Number(r.stdout.trim().split('\n').pop()));
  }
  return median(times);
};

export const benchBundles = async (o: { runs: number; log: (s: string) => void }) => {
  mkdirSync(out, { recursive: true });
  const baselineEntry = `${out}/baseline-entry.ts`;
  const baselineSource = [
    "import { DynamoDBClient } from '@aws-sdk/client-dynamodb';",
    "import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';",
    'export const db = DynamoDBDocumentClient.from(new DynamoDBClient({}));',
    '',
  ].join('\n');
  writeFileSync(baselineEntry, baselineSource);
  const base = await bundle(baselineEntry, 'baseline');
  const baseMs = importMs(base.outfile, o.runs);
  const sizeOf = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;
  const baseline = `${sizeOf(base.bytes)}, import ${fmt(baseMs, 1)} ms`;
  o.log(`P3 baseline (DynamoDB document client only): ${baseline}`);
  const rows = [];
  for (const name of Object.keys(FUNCTIONS) as FunctionName[]) {
    const b = await bundle(`${root}functions/${name}/handler.ts`, name);
    const ms = importMs(b.outfile, o.runs);
    rows.push({
      function: name,
      kb: Math.round(b.bytes / 102.4) / 10,
      importMs: Math.round(ms * 10) / 10,
      ratio: Math.round((ms / baseMs) * 100) / 100,
    });
    o.log(`P3 ${name}: ${sizeOf(b.bytes)}, import ${fmt(ms, 1)} ms, ratio ${fmt(ms / baseMs)}`);
  }
  return {
    baseline: { kb: Math.round(base.bytes / 102.4) / 10, importMs: baseMs },
    functions: rows,
    maxKb: Math.max(...rows.map((r) => r.kb)),
    maxRatio: Math.max(...rows.map((r) => r.ratio)),
    targets: { kb: 600, ratio: 1.5 },
  };
};
