/** Builds the product's dependencies in AWS from the function's environment (once per container). */
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SQSClient } from '@aws-sdk/client-sqs';
import { secretsManager } from './adapters/secrets-manager.js';
import { sqsQueue } from './adapters/sqs-queue.js';
import { createCloudClient } from './cloud/client.js';
import { makeStores, type Deps } from './deps.js';
import { secretNames } from './ports.js';
import { createDocClient } from './store/dynamo.js';
import { tableNamesFromEnv } from './store/tables.js';

const env = (name: string): string => {
  const v = process.env[name];
  if (!v) throw new Error(`environment variable ${name} is not set`);
  return v;
};

let deps: Deps | undefined;
let authSecret: (() => Promise<string>) | undefined;

export const awsDeps = (): Deps => {
  if (deps) return deps;
  const sqs = new SQSClient({});
  const secrets = secretsManager(new SecretsManagerClient({}), process.env.SECRETS_PREFIX ?? '');
  const queue = (name: string) => (process.env[name] ? sqsQueue<never>(sqs, env(name)) : { send: () => Promise.reject(new Error(`${name} is not set`)) });
  deps = {
    stores: makeStores(createDocClient(), tableNamesFromEnv()),
    cloud: createCloudClient({ baseUrl: process.env.INVOICE_CLOUD_URL ?? 'https://invoice-cloud.invalid' }),
    secrets,
    queues: { sync: queue('SYNC_QUEUE_URL'), writeback: queue('WRITEBACK_QUEUE_URL'), callbacks: queue('CALLBACK_QUEUE_URL') },
    clock: () => new Date(),
    localMode: false,
  };
  return deps;
};

/** The API's token secret: the stack's own secret (by ARN), read once per container. */
export const awsAuthSecret = (): (() => Promise<string>) => {
  if (authSecret) return authSecret;
  const client = new SecretsManagerClient({});
  const store = secretsManager(client, '');
  let cached: Promise<string> | undefined;
  authSecret = () =>
    (cached ??= store.get(process.env.AUTH_SECRET_ARN ?? secretNames.authJwt).then((v) => {
      if (!v) throw new Error('API token secret is empty');
      return v;
    }));
  return authSecret;
};
