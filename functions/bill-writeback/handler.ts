import { MAX_RECEIVES } from '../catalog.js';
import { awsDeps } from '../aws-deps.js';
import { makeHandler } from './app.js';

export const handler = makeHandler(awsDeps('bill-writeback'), {
  maxReceives: MAX_RECEIVES.writeback,
});
