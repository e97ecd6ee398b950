import { DEFAULT_RETRY_DELAYS } from '#shared/callbacks/send.js';
import { awsDeps } from '../aws-deps.js';
import { makeHandler } from './app.js';

export const handler = makeHandler(awsDeps('callback-sender'), { delays: DEFAULT_RETRY_DELAYS });
