import { awsAuthSecret, awsDeps } from '../aws-deps.js';
import { makeHandler } from './app.js';

export const handler = makeHandler(awsDeps('sync-api'), awsAuthSecret('sync-api'));
