/** Operator-facing run messages: what happened and what to do, never a stack trace. */
import { CloudError } from '../../adapters/cloud/client.js';
import { CODES } from '../../adapters/cloud/contract.js';
import { MAX_AUTO_RETRIES } from '../../domain/schemas/sync.js';
import { RunFailure } from './credentials.js';

export const failureMessage = (e: unknown): string => {
  if (e instanceof RunFailure) return e.message;
  if (e instanceof CloudError) {
    const trace = e.reqid ? ` (reqid ${e.reqid}${e.traceId ? `, traceId ${e.traceId}` : ''})` : '';
    if (e.code === CODES.badCredentials) {
      const check = "check the org's clientId and client secret";
      return `invoice cloud rejected the client credentials (1101): ${check}${trace}`;
    }
    if (e.code === CODES.missingClientId)
      return `invoice cloud got no client_id (1200): configure the org's clientId${trace}`;
    if (e.code === CODES.badRequest)
      return `invoice cloud rejected the request (1001): ${e.message}${trace}`;
    if (e.retryable)
      return `invoice cloud unavailable: ${e.message}${trace}; the retry job will try again`;
    return `invoice cloud error ${e.code}: ${e.message}${trace}`;
  }
  return 'internal error while syncing (details in the function log); the retry job will try again';
};

const MANUAL_FIX =
  "Check the network and the org's clientId configuration, then sync by hand (POST /sync).";

export const needsManualMessage = (last: string): string => {
  const cause = last.replace(/; the retry job will try again$/, '');
  return `failed after ${MAX_AUTO_RETRIES} automatic retries: ${cause}. ${MANUAL_FIX}`;
};
