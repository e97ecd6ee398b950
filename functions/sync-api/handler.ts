import { withLambdaLogging } from '#shared/logger.js';
import { awsAuthSecret, awsDeps, flushingMetrics } from '../aws-deps.js';
import { makeHandler } from './app.js';

const deps = awsDeps('sync-api');
export const handler = withLambdaLogging(
  flushingMetrics(deps.metrics, makeHandler(deps, awsAuthSecret('sync-api'))),
);
