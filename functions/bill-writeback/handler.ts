import { MAX_RECEIVES } from '../catalog.js';
import { withLambdaLogging } from '#shared/logger.js';
import { awsDeps, flushingMetrics } from '../aws-deps.js';
import { makeHandler } from './app.js';

const deps = awsDeps('bill-writeback');
export const handler = withLambdaLogging(
  flushingMetrics(
    deps.metrics,
    makeHandler(deps, {
      maxReceives: MAX_RECEIVES.writeback,
    }),
  ),
);
