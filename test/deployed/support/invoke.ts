/**
 * Invoke a deployed function in a fresh Node.js process with exactly the environment the template
 * gives it, plus what the Lambda service adds (region, credentials, function name) and the
 * endpoints of the stand-ins. The only override: INVOICE_CLOUD_URL → the simulator, where the
 * stack sets it.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DeployedFunction } from './assembly.js';
import { REGION } from './intrinsics.js';

const RUNNER = fileURLToPath(new URL('./invoke-bundle.mjs', import.meta.url));

/** The fake credentials of every function (DynamoDB Local keeps tables per key and region). */
export const CREDENTIALS = {
  accessKeyId: 'AKIADEPLOYEDSHAPE000',
  secretAccessKey: 'deployed-shape-not-a-secret',
};

export interface Endpoints {
  dynamodb: string;
  sqs: string;
  secretsManager: string;
  invoiceCloud: string;
}

export interface Outcome {
  ok: boolean;
  /** Where it failed: `init` is a cold-start failure (the module threw on import). */
  phase?: 'init' | 'invoke' | 'process';
  initMs?: number;
  result?: any;
  error?: { name: string; message: string; stack?: string };
  /** The function's log output (stdout and stderr), for failure messages. */
  logs: string;
  ms: number;
}

/** The child's environment: the template's variables and what Lambda itself sets, nothing else. */
export const lambdaEnv = (fn: DeployedFunction, e: Endpoints): Record<string, string> => ({
  ...fn.env,
  ...('INVOICE_CLOUD_URL' in fn.env ? { INVOICE_CLOUD_URL: e.invoiceCloud } : {}),
  AWS_REGION: REGION,
  AWS_DEFAULT_REGION: REGION,
  AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
  AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
  AWS_ENDPOINT_URL_DYNAMODB: e.dynamodb,
  AWS_ENDPOINT_URL_SQS: e.sqs,
  AWS_ENDPOINT_URL_SECRETS_MANAGER: e.secretsManager,
  AWS_LAMBDA_FUNCTION_NAME: fn.functionName,
  // Lambda runs in UTC whatever the host's zone.
  TZ: ':UTC',
  PATH: process.env.PATH ?? '/usr/bin:/bin',
  HOME: process.env.HOME ?? '/tmp',
});

let seq = 0;

/** One invocation; resolves with its outcome (never rejects); killed after the timeout. */
export const invoke = (fn: DeployedFunction, event: unknown, e: Endpoints, dir: string) => {
  mkdirSync(dir, { recursive: true });
  const base = join(dir, `${String(++seq).padStart(2, '0')}-${fn.name}`);
  writeFileSync(`${base}.event.json`, JSON.stringify(event, null, 2));
  const spec = {
    functionName: fn.functionName,
    arn: fn.arn,
    memory: fn.memory,
    timeoutSeconds: fn.timeout,
  };
  const args = [RUNNER, fn.entry, fn.exportName, `${base}.event.json`, `${base}.result.json`];
  const started = Date.now();
  return new Promise<Outcome>((resolve) => {
    const child = spawn(process.execPath, [...args, JSON.stringify(spec)], {
      cwd: join(fn.entry, '..'),
      env: lambdaEnv(fn, e),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let logs = '';
    child.stdout.on('data', (b: Buffer) => (logs += b.toString()));
    child.stderr.on('data', (b: Buffer) => (logs += b.toString()));
    const limit = Math.min(fn.timeout, 45) * 1000;
    const timer = setTimeout(() => child.kill('SIGKILL'), limit);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const ms = Date.now() - started;
      writeFileSync(`${base}.log`, logs);
      try {
        const out = JSON.parse(readFileSync(`${base}.result.json`, 'utf8')) as Omit<Outcome, 'ms'>;
        resolve({ ...out, logs, ms });
      } catch {
        const why = signal ? `killed (${signal}) after ${limit} ms` : `exited with ${code}`;
        const error = { name: 'Runtime.ExitError', message: `process ${why}, no result` };
        resolve({ ok: false, phase: 'process', error, logs, ms });
      }
    });
  });
};
