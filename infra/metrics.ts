/**
 * The product's own CloudWatch metrics: the table lives in `shared/metrics.ts` (the functions emit
 * from it and shared/ may not import infra/); the alarms and the dashboard read the same one here.
 */
export * from '../shared/metrics.js';
