/**
 * Builds a function's dependencies in AWS, once per container, from what its catalog entry grants:
 * the tables (their names from the environment the stack sets), the queues it sends to, the secret
 * kinds it may touch, and the invoice cloud. Nothing else is read from the environment, so a
 * function starts with exactly the variables the stack gives it. SQS and Secrets Manager clients
 * load on first use (cold start, P3).
 */
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { Context } from 'aws-lambda';
import { powertoolsMetrics } from '#shared/adapters/aws/powertools-metrics.js';
import { secretsManager } from '#shared/adapters/aws/secrets-manager.js';
import { keyringSource, orgVault, withOrgVault } from '#shared/adapters/secrets/org-vault.js';
import type { ConfigStore } from '#shared/adapters/dynamo/config-store.js';
import { sqsDeadLetterQueue, sqsQueue } from '#shared/adapters/aws/sqs-queue.js';
import { createCloudClient, type CloudObserver } from '#shared/adapters/cloud/client.js';
import { CLOUD_PATHS } from '#shared/adapters/cloud/contract.js';
import { makeStores, type Queues, type Stores } from '#shared/deps.js';
import { METRICS, type MetricDims } from '#shared/metrics.js';
import type { DeadLetterQueue, Metrics, Secrets } from '#shared/ports.js';
import { createDocClient } from '#shared/adapters/dynamo/dynamo.js';
import { TABLES, type TableKey } from '#shared/adapters/dynamo/tables.js';
import {
  DLQ_ENV,
  FUNCTIONS,
  ORG_SECRET_KEY_ENV,
  QUEUE_ENV,
  type FunctionName,
  type FunctionSpec,
  type QueueKey,
} from './catalog.js';
import { cloudLimiter } from './cloud-limiter.js';
import type { FunctionDeps, QueuesOf, TablesOf } from './deps.js';

const once = <T>(make: () => Promise<T>): (() => Promise<T>) => {
  let p: Promise<T> | undefined;
  return () =>
    (p ??= make().catch((e: unknown) => {
      p = undefined;
      throw e;
    }));
};
const sqs = once(async (): Promise<SQSClient> => {
  const { SQSClient } = await import('@aws-sdk/client-sqs');
  return new SQSClient({});
});
const secretsClient = once(async (): Promise<SecretsManagerClient> => {
  const { SecretsManagerClient } = await import('@aws-sdk/client-secrets-manager');
  return new SecretsManagerClient({});
});

/** A variable the stack sets for this function; missing means the deployment is wrong. */
export const requiredEnv = (name: string, fn: string): string => {
  const v = process.env[name];
  if (!v) throw new Error(`${fn}: environment variable ${name} is not set by the stack`);
  return v;
};

const tableNames = <N extends FunctionName>(fn: N): Record<TablesOf<N>, string> => {
  const out = {} as Record<TablesOf<N>, string>;
  for (const key of Object.keys(FUNCTIONS[fn].tables) as TablesOf<N>[])
    out[key] = requiredEnv(TABLES[key].env, fn);
  return out;
};

const queues = <N extends FunctionName>(fn: N): Pick<Queues, QueuesOf<N>> => {
  const out: Partial<Record<QueuesOf<N>, unknown>> = {};
  for (const key of FUNCTIONS[fn].sends as readonly QueuesOf<N>[])
    out[key] = sqsQueue(sqs, requiredEnv(QUEUE_ENV[key], fn));
  return out as Pick<Queues, QueuesOf<N>>;
};

/** Each DLQ the catalog lets function `fn` redrive, from the variables the stack sets. */
export const awsDeadLetterQueues = (
  fn: FunctionName,
): Partial<Record<QueueKey, DeadLetterQueue>> => {
  const spec: FunctionSpec = FUNCTIONS[fn];
  const out: Partial<Record<QueueKey, DeadLetterQueue>> = {};
  for (const q of spec.redrives ?? [])
    out[q] = sqsDeadLetterQueue(sqs, {
      dlqUrl: requiredEnv(DLQ_ENV[q].url, fn),
      dlqArn: requiredEnv(DLQ_ENV[q].arn, fn),
      sourceArn: requiredEnv(DLQ_ENV[q].sourceArn, fn),
    });
  return out;
};

/**
 * Secrets Manager under the stack's prefix; a function granted no secret kind gets none. With the
 * `org` kind, org secrets are sealed config items opened with the one org secret key (its ARN read
 * on first use; keyring and sealed items cached 5 minutes per container).
 */
const secrets = (fn: FunctionName, config: ConfigStore | undefined): Secrets => {
  if (!Object.keys(FUNCTIONS[fn].secrets).length) {
    const none = async (): Promise<never> => {
      throw new Error(`${fn}: no runtime secrets are granted to this function (catalog)`);
    };
    return { get: none, put: none };
  }
  const inner = secretsManager(secretsClient, requiredEnv('SECRETS_PREFIX', fn));
  if (!(FUNCTIONS[fn].secrets as { org?: unknown }).org) return inner;
  const keyStore = secretsManager(secretsClient, '', 0);
  const keys = keyringSource(() => keyStore.get(requiredEnv(ORG_SECRET_KEY_ENV, fn)));
  if (!config) throw new Error(`${fn}: org secrets need the config table (catalog)`);
  return withOrgVault(inner, orgVault(keys, config, 300_000));
};

type CloudFunction = MetricDims<'CloudThrottles'>['Function'];
const isCloudFunction = (fn: string): fn is CloudFunction =>
  (METRICS.CloudThrottles.dimensions.Function as readonly string[]).includes(fn);

/**
 * The cloud client's metrics for the functions the table names (CloudCallLatency leaves out the
 * push channel's long poll, which the cloud holds open by design).
 */
const cloudObserver = (fn: FunctionName, metrics: Metrics): CloudObserver | undefined => {
  if (!isCloudFunction(fn)) return undefined;
  const dims = { Function: fn };
  return {
    called: (ms, path) => {
      if (path !== CLOUD_PATHS.poll) metrics.ms('CloudCallLatency', dims, ms);
    },
    throttled: () => metrics.count('CloudThrottles', dims),
  };
};

/** The dependencies of function `fn` in AWS. */
export const awsDeps = <N extends FunctionName>(fn: N): FunctionDeps<N> => {
  const metrics = powertoolsMetrics();
  const db = createDocClient();
  const tables = tableNames(fn);
  const granted: Partial<Record<TableKey, string>> = tables;
  const stores = makeStores(db, tables);
  return {
    stores,
    queues: queues(fn),
    cloud: createCloudClient({
      baseUrl: process.env.INVOICE_CLOUD_URL ?? 'https://invoice-cloud.invalid',
      observe: cloudObserver(fn, metrics),
      limiter: cloudLimiter(db, granted.rateLimits),
    }),
    secrets: secrets(fn, (stores as Partial<Stores>).config),
    clock: () => new Date(),
    metrics,
    localMode: false,
  };
};

/**
 * The handler `h` publishing the metrics its invocation recorded when it ends, whether it returns
 * or throws (a failed SQS batch still counts what it did).
 */
export const flushingMetrics =
  <E, R>(metrics: Metrics, h: (event: E, context: Context) => Promise<R>) =>
  async (event: E, context: Context): Promise<R> => {
    try {
      return await h(event, context);
    } finally {
      metrics.flush();
    }
  };

/** The API's token secret: the stack's own secret (by ARN), read once per container. */
export const awsAuthSecret = (fn: FunctionName): (() => Promise<string>) => {
  const store = secretsManager(secretsClient, '', Number.POSITIVE_INFINITY);
  const arn = requiredEnv('AUTH_SECRET_ARN', fn);
  return once(async () => {
    const v = await store.get(arn);
    if (!v) throw new Error('API token secret is empty');
    return v;
  });
};
