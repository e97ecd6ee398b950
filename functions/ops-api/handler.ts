import { withLambdaLogging } from '#shared/logger.js';
import type { DeadLetterQueues, DlqQueue } from '#shared/use-cases/ops/dead-letters.js';
import { awsAuthSecret, awsDeadLetterQueues } from '../aws-deps.js';
import { makeHandler } from './app.js';

const granted = awsDeadLetterQueues('ops-api');
/** A DLQ the console reads: the catalog must let this function redrive it. */
const dlq = (q: DlqQueue) => {
  const d = granted[q];
  if (!d) throw new Error(`ops-api: the catalog grants no redrive of the ${q} queue`);
  return d;
};
const dlqs: DeadLetterQueues = {
  sync: dlq('sync'),
  writeback: dlq('writeback'),
  callbacks: dlq('callbacks'),
};

export const handler = withLambdaLogging(makeHandler(dlqs, awsAuthSecret('ops-api')));
