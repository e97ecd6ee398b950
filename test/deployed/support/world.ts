/**
 * Everything the deployed-shape test runs on: the synthesized assembly, DynamoDB Local behind the
 * recording proxy, the SQS / Secrets Manager stand-ins seeded from the templates, the invoice cloud
 * simulator, and `run()` which invokes one function in a fresh process as Lambda would.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startSimulator, type Simulator } from '#simulator/invoice-cloud.js';
import { ORGS } from '#test/support/harness.js';
import { readDeployed, synthesize, type Deployed, type DeployedFunction } from './assembly.js';
import {
  createTemplateTables,
  deleteTables,
  startDynamoProxy,
  type DynamoProxy,
} from './dynamo.js';
import { Ledger } from './iam.js';
import { invoke, type Endpoints, type Outcome } from './invoke.js';
import { startStandIns, type StandIns } from './stand-ins.js';

export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
/**
 * Under the project root, so the bundles' external `@aws-sdk/*` resolve from its node_modules as
 * the Lambda runtime provides them. One directory per run (runs may overlap); old ones are pruned.
 */
export const OUTDIR = join(ROOT, 'cdk.out', 'deployed-shape');
const KEEP_MS = 15 * 60_000;

const pruneOldRuns = () => {
  mkdirSync(OUTDIR, { recursive: true });
  for (const d of readdirSync(OUTDIR)) {
    const path = join(OUTDIR, d);
    if (Date.now() - statSync(path).mtimeMs > KEEP_MS)
      rmSync(path, { recursive: true, force: true });
  }
};

export interface World {
  /** This run's assembly and invocation records. */
  outdir: string;
  deployed: Deployed;
  ledger: Ledger;
  standIns: StandIns;
  sim: Simulator;
  /** The API token secret as the stand-in serves it. */
  tokenSecret: string;
  fn(name: string): DeployedFunction;
  /** Queue name behind a function's queue URL variable, e.g. `SYNC_QUEUE_URL`. */
  queueOf(fnName: string, variable: string): { name: string; arn: string };
  run(name: string, event: unknown): Promise<Outcome>;
  stop(): Promise<void>;
}

export const startWorld = async (): Promise<World> => {
  const dynamoEndpoint = process.env.DYNAMO_ENDPOINT;
  if (!dynamoEndpoint) throw new Error('DYNAMO_ENDPOINT is not set: run through jest');
  const runId = `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
  const outdir = join(OUTDIR, runId);
  pruneOldRuns();
  const ledger = new Ledger();
  const standIns = await startStandIns(ledger);
  const deployed = readDeployed(outdir, synthesize(outdir), { runId, sqsBaseUrl: standIns.url });
  const { resolver } = deployed;

  for (const [stack, t] of Object.entries(deployed.templates))
    for (const [id, res] of Object.entries(t.Resources)) {
      const p = resolver.resolve(stack, res.Properties ?? {});
      const { name, arn } = resolver.of(stack, id);
      if (res.Type === 'AWS::SQS::Queue') {
        const fifo = p.FifoQueue === true || p.FifoQueue === 'true';
        const contentBasedDedup = p.ContentBasedDeduplication === true;
        standIns.queues.set(name, { name, arn, fifo, contentBasedDedup });
      }
      if (res.Type === 'AWS::SecretsManager::Secret')
        standIns.secrets.set(name, p.SecretString ?? randomBytes(32).toString('hex'));
    }
  const tables = await createTemplateTables(dynamoEndpoint, resolver);
  const proxy: DynamoProxy = await startDynamoProxy(dynamoEndpoint, ledger);
  // Short push holds: the push consumer's turn ends at the first empty poll.
  const sim = await startSimulator({
    orgs: [ORGS[0]!],
    endDate: '2024-07-22',
    days: 10,
    push: { holdMs: 300 },
  });
  const endpoints: Endpoints = {
    dynamodb: proxy.url,
    sqs: standIns.url,
    secretsManager: standIns.url,
    invoiceCloud: sim.url,
  };

  const fn = (name: string) => {
    const f = deployed.functions.find((x) => x.name === name);
    if (!f) throw new Error(`the stack has no function ${name}`);
    return f;
  };
  const authArn = deployed.functions.map((f) => f.env.AUTH_SECRET_ARN).find(Boolean);
  const auth = [...resolver.physical.values()].find((p) => p.arn === authArn);
  const tokenSecret = auth ? standIns.secrets.get(auth.name) : undefined;
  if (!tokenSecret) throw new Error('no function names the API token secret (AUTH_SECRET_ARN)');

  return {
    outdir,
    deployed,
    ledger,
    standIns,
    sim,
    tokenSecret,
    fn,
    queueOf: (fnName, variable) => {
      const url = fn(fnName).env[variable];
      const q = standIns.queues.get(String(url).split('/').pop() ?? '');
      if (!q) throw new Error(`${fnName}: ${variable}=${String(url)} is no queue of the stack`);
      return q;
    },
    run: async (name, event) => {
      const f = fn(name);
      ledger.begin(f.name, f.statements);
      try {
        return await invoke(f, event, endpoints, join(outdir, 'invocations'));
      } finally {
        ledger.end();
      }
    },
    stop: async () => {
      writeFileSync(join(outdir, 'calls.json'), JSON.stringify(ledger.calls, null, 1));
      await Promise.allSettled([proxy.stop(), standIns.stop(), sim.stop()]);
      await deleteTables(dynamoEndpoint, tables);
    },
  };
};

/** Fail with what Lambda would have logged when the function did not start or threw. */
export const assertRan = (name: string, o: Outcome): any => {
  if (o.ok) return o.result;
  const what = o.phase === 'init' ? 'cold start failed' : `failed (${o.phase ?? '?'})`;
  const e = o.error ?? { name: '?', message: '?' };
  const logs = o.logs.trim().split('\n').slice(-15).join('\n');
  throw new Error(
    `${name}: ${what}: ${e.name}: ${e.message}\n${e.stack ?? ''}\n--- logs ---\n${logs}`,
  );
};
