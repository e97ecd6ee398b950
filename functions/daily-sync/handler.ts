import { awsDeps } from '#shared/runtime.js';
import { makeHandler } from './app.js';

export const handler = makeHandler(awsDeps());
