import { withLambdaLogging } from '#shared/logger.js';
import { awsDeps } from '../aws-deps.js';
import { makeHandler } from './app.js';

export const handler = withLambdaLogging(makeHandler(awsDeps('manual-sync')));
