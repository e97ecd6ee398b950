/**
 * Builds the product's dependencies in AWS from the function's environment (once per container). Only the
 * DynamoDB client is created at start; SQS and Secrets Manager load on first use (cold start, bench P3).
 */
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { secretsManager } from './adapters/secrets-manager.js';
import { sqsQueue } from './adapters/sqs-queue.js';
import { createCloudClient } from './cloud/client.js';
import { makeStores, type Deps } from './deps.js';
import type { Queue } from './ports.js';
import { createDocClient } from './store/dynamo.js';
import { tableNamesFromEnv } from './store/tables.js';

const once = <T>(make: () => Promise<T>): (() => Promise<T>) => {
  let p: Promise<T> | undefined;
  return () => (p ??= make().catch((e: unknown) => ((p = undefined), Promise.reject(e as Error))));
};
const sqs = once(async (): Promise<SQSClient> => new (await import('@aws-sdk/client-sqs')).SQSClient({}));
const secretsClient = once(async (): Promise<SecretsManagerClient> => new (await import('@aws-sdk/client-secrets-manager')).SecretsManagerClient({}));

const queue = <T>(name: string): Queue<T> => {
  const url = process.env[name];
  return url ? sqsQueue<T>(sqs, url) : { send: () => Promise.reject(new Error(`${name} is not set`)) };
};

let deps: Deps | undefined;
export const awsDeps = (): Deps =>
  (deps ??= {
    stores: makeStores(createDocClient(), tableNamesFromEnv()),
    cloud: createCloudClient({ baseUrl: process.env.INVOICE_CLOUD_URL ?? 'https://invoice-cloud.invalid' }),
    secrets: secretsManager(secretsClient, process.env.SECRETS_PREFIX ?? ''),
    queues: { sync: queue('SYNC_QUEUE_URL'), writeback: queue('WRITEBACK_QUEUE_URL'), callbacks: queue('CALLBACK_QUEUE_URL') },
    clock: () => new Date(),
    localMode: false,
  });

/** The API's token secret: the stack's own secret (by ARN), read once per container (retried after a failure). */
export const awsAuthSecret = (): (() => Promise<string>) => {
  const store = secretsManager(secretsClient, '', Number.POSITIVE_INFINITY);
  return once(async () => {
    const v = await store.get(process.env.AUTH_SECRET_ARN ?? '');
    if (!v) throw new Error('API token secret is empty');
    return v;
  });
};
