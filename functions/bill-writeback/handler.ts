import { MAX_RECEIVES } from '../catalog.js';
import { awsDeps } from '#shared/runtime.js';
import { makeHandler } from './app.js';

export const handler = makeHandler(awsDeps(), { maxReceives: MAX_RECEIVES.writeback });
