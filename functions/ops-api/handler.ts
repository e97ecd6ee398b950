import type { SQSClient } from '@aws-sdk/client-sqs';
import { sqsDeadLetterQueue } from '#shared/adapters/aws/sqs-queue.js';
import { withLambdaLogging } from '#shared/logger.js';
import { DLQ_QUEUES, type DeadLetterQueues } from '#shared/use-cases/ops/dead-letters.js';
import { awsAuthSecret } from '../aws-deps.js';
import { DLQ_ENV, FUNCTIONS } from '../catalog.js';
import { makeHandler } from './app.js';

let client: Promise<SQSClient> | undefined;
/** The SQS client, loaded on first use (cold start). */
const sqs = (): Promise<SQSClient> =>
  (client ??= import('@aws-sdk/client-sqs').then(({ SQSClient }) => new SQSClient({})));

const env = (name: string): string => {
  const v = process.env[name];
  if (!v) throw new Error(`ops-api: environment variable ${name} is not set by the stack`);
  return v;
};

/** Each DLQ the catalog lets this function redrive, from the variables the stack sets. */
const dlqs = Object.fromEntries(
  DLQ_QUEUES.filter((q) => FUNCTIONS['ops-api'].redrives.includes(q)).map((q) => [
    q,
    sqsDeadLetterQueue(sqs, {
      dlqUrl: env(DLQ_ENV[q].url),
      dlqArn: env(DLQ_ENV[q].arn),
      sourceArn: env(DLQ_ENV[q].sourceArn),
    }),
  ]),
) as DeadLetterQueues;

export const handler = withLambdaLogging(makeHandler(dlqs, awsAuthSecret('ops-api')));
