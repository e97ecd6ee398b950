/**
 * The rate limiter toward the invoice cloud for a function in AWS: the shared buckets in the
 * RateLimits table for every function its catalog entry grants that table (the ones calling the
 * cloud), with the limits of `CLOUD_RATE_LIMITS` (JSON, optional; defaults in rate-limit.ts).
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createLimiter, type CloudLimiter } from '#shared/adapters/cloud/limiter.js';
import { parseLimitsJson } from '#shared/adapters/cloud/rate-limit.js';
import { makeBucketStore } from '#shared/adapters/dynamo/bucket-store.js';
import { TABLES } from '#shared/adapters/dynamo/tables.js';
import { FUNCTIONS, type FunctionName } from './catalog.js';

/** Undefined for a function without the RateLimits grant (it does not call the cloud). */
export const cloudLimiter = (
  fn: FunctionName,
  db: DynamoDBDocumentClient,
): CloudLimiter | undefined => {
  if (!('rateLimits' in FUNCTIONS[fn].tables)) return undefined;
  const table = process.env[TABLES.rateLimits.env];
  if (!table) throw new Error(`${fn}: ${TABLES.rateLimits.env} is not set by the stack`);
  return createLimiter({
    store: makeBucketStore(db, table),
    limits: parseLimitsJson(process.env.CLOUD_RATE_LIMITS),
  });
};
