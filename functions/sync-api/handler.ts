import { awsAuthSecret, awsDeps, flushingMetrics } from '../aws-deps.js';
import { makeHandler } from './app.js';

const deps = awsDeps('sync-api');
export const handler = flushingMetrics(deps.metrics, makeHandler(deps, awsAuthSecret('sync-api')));
