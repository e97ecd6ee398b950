import { withLambdaLogging } from '#shared/logger.js';
import { awsAuthSecret, awsDeps } from '../aws-deps.js';
import { makeHandler } from './app.js';

export const handler = withLambdaLogging(
  makeHandler(awsDeps('config-api'), awsAuthSecret('config-api')),
);
