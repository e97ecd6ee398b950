import { DEFAULT_RETRY_DELAYS } from '#shared/use-cases/callbacks/send.js';
import { withLambdaLogging } from '#shared/logger.js';
import { awsDeps, flushingMetrics } from '../aws-deps.js';
import { makeHandler } from './app.js';

const deps = awsDeps('callback-sender');
export const handler = withLambdaLogging(
  flushingMetrics(deps.metrics, makeHandler(deps, { delays: DEFAULT_RETRY_DELAYS })),
);
