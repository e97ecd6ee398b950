/**
 * The rate limiter toward the invoice cloud for a function in AWS: the shared buckets in the
 * RateLimits table for every function its catalog entry grants that table (the ones calling the
 * cloud), with the limits of `CLOUD_RATE_LIMITS` (JSON, optional; defaults in rate-limit.ts).
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createLimiter, type CloudLimiter } from '#shared/adapters/cloud/limiter.js';
import { parseLimitsJson, type CloudLimits } from '#shared/adapters/cloud/rate-limit.js';
import { makeBucketStore } from '#shared/adapters/dynamo/bucket-store.js';

/**
 * `table`: the RateLimits table's name, read (required) from the stack's variables when the
 * catalog grants the table. Undefined without it (the function does not call the cloud). Local
 * mode passes its own `limits`.
 */
export const cloudLimiter = (
  db: DynamoDBDocumentClient,
  table: string | undefined,
  limits: CloudLimits = parseLimitsJson(process.env.CLOUD_RATE_LIMITS),
): CloudLimiter | undefined =>
  table === undefined ? undefined : createLimiter({ store: makeBucketStore(db, table), limits });
