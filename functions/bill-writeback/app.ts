import type { SQSRecord } from 'aws-lambda';
import type { FunctionDeps } from '../deps.js';
import { parseJsonPayload } from '#shared/http/payload.js';
import { makeSqsHandler } from '#shared/http/sqs.js';
import { logger } from '#shared/logger.js';
import { writebackMessageSchema } from '#shared/schemas/bills.js';
import { applyBillEvent } from '#shared/writeback/apply.js';

/** The event id of a message, or its message id when the body is not a write-back message. */
const eventIdOf = (r: SQSRecord): string => {
  try {
    const id = (JSON.parse(r.body) as { eventId?: unknown }).eventId;
    return typeof id === 'string' ? id : r.messageId;
  } catch {
    return r.messageId;
  }
};

/**
 * FIFO write-back consumer: events of one bill in order (a failure skips the rest of its group in
 * the batch), failures reported per message, and a copy of a message kept for operators on its last
 * receive.
 */
export const makeHandler = (deps: FunctionDeps<'bill-writeback'>, opts: { maxReceives: number }) =>
  makeSqsHandler(
    async (r) => {
      const receives = Number(r.attributes.ApproximateReceiveCount ?? '1');
      try {
        await applyBillEvent(
          parseJsonPayload(writebackMessageSchema, r.body, 'write-back message'),
          receives,
          deps,
        );
      } catch (e) {
        logger.warn('write-back event not processed', {
          messageId: r.messageId,
          receives,
          error: (e as Error).message,
        });
        if (receives >= opts.maxReceives) {
          deps.metrics.count('WriteBacks', { Outcome: 'failed' });
          await deps.stores.bills.recordDeadLetter({
            eventId: eventIdOf(r),
            body: r.body.slice(0, 10_000),
            error: (e as Error).message,
            receives,
            at: deps.clock().toISOString(),
          });
        }
        throw e;
      }
    },
    { fifo: true },
  );
