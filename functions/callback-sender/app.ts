import type { Context, SQSEvent } from 'aws-lambda';
import { sendCallback, sweepCallbacks, type SendPolicy } from '#shared/use-cases/callbacks/send.js';
import type { FunctionDeps } from '../deps.js';
import { parseJsonPayload } from '#shared/adapters/http/payload.js';
import { makeSqsHandler } from '#shared/adapters/http/sqs.js';
import { withLogKeys } from '#shared/logger.js';
import { callbackMessageSchema } from '#shared/domain/schemas/interaction.js';

/** An EventBridge schedule (`source: aws.events`) asks for the sweep of overdue callbacks. */
const isSchedule = (e: unknown): boolean =>
  typeof e === 'object' &&
  e !== null &&
  !Array.isArray(e) &&
  (e as Record<string, unknown>).source === 'aws.events';

/**
 * Delivers queued callbacks; each failed delivery is re-queued with its backoff, so the message
 * itself succeeds. A scheduled event instead re-queues callbacks whose next attempt is overdue
 * (lost messages).
 */
export const makeHandler = (deps: FunctionDeps<'callback-sender'>, policy: SendPolicy) => {
  // Every line of a delivery carries its interaction log's id.
  const sqs = makeSqsHandler(async (r) => {
    const m = parseJsonPayload(callbackMessageSchema, r.body, 'callback message');
    await withLogKeys({ logId: m.logId, messageId: r.messageId }, () =>
      sendCallback(m, deps, policy),
    );
  });
  return async (event: unknown, context: Context): Promise<unknown> =>
    isSchedule(event) ? { requeued: await sweepCallbacks(deps) } : sqs(event as SQSEvent, context);
};
