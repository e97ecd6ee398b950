import { awsDeps, flushingMetrics } from '../aws-deps.js';
import { makeHandler } from './app.js';

const deps = awsDeps('push-consumer');
export const handler = flushingMetrics(deps.metrics, makeHandler(deps));
