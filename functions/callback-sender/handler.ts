import { DEFAULT_RETRY_DELAYS } from '#shared/callbacks/send.js';
import { awsDeps } from '#shared/runtime.js';
import { makeHandler } from './app.js';

export const handler = makeHandler(awsDeps(), { delays: DEFAULT_RETRY_DELAYS });
