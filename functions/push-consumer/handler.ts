import { awsDeps } from '../aws-deps.js';
import { makeHandler } from './app.js';

export const handler = makeHandler(awsDeps('push-consumer'));
