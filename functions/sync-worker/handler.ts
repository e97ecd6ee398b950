import { withLambdaLogging } from '#shared/logger.js';
import { awsDeps, flushingMetrics } from '../aws-deps.js';
import { makeHandler } from './app.js';

const deps = awsDeps('sync-worker');
export const handler = withLambdaLogging(flushingMetrics(deps.metrics, makeHandler(deps)));
