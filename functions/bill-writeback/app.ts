import middy from '@middy/core';
import { processPartialResponse, SqsFifoPartialProcessorAsync } from '@aws-lambda-powertools/batch';
import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';
import type { Deps } from '#shared/deps.js';
import { parseJsonPayload, parsePayload } from '#shared/http/payload.js';
import { sqsEventSchema } from '#shared/schemas/events.js';
import { logger } from '#shared/logger.js';
import { writebackMessageSchema } from '#shared/schemas/bills.js';
import { applyBillEvent } from '#shared/writeback/apply.js';

/**
 * FIFO write-back consumer: events of one bill in order (a failure skips the rest of its group in the
 * batch), failures reported per message, and a copy of a message kept for operators on its last receive.
 */
/** The event id of a message, or its message id when the body is not a write-back message. */
const eventIdOf = (r: SQSRecord): string => {
  try {
    const id = (JSON.parse(r.body) as { eventId?: unknown }).eventId;
    return typeof id === 'string' ? id : r.messageId;
  } catch {
    return r.messageId;
  }
};

export const makeHandler = (deps: Deps, opts: { maxReceives: number }) =>
  middy<SQSEvent, unknown, Error, Context>().handler(async (event, context) => {
    const processor = new SqsFifoPartialProcessorAsync();
    const record = async (r: SQSRecord) => {
      const receives = Number(r.attributes.ApproximateReceiveCount ?? '1');
      try {
        const m = parseJsonPayload(writebackMessageSchema, r.body, 'write-back message');
        await applyBillEvent(m, receives, deps);
      } catch (e) {
        logger.warn('write-back event not processed', { messageId: r.messageId, receives, error: (e as Error).message });
        if (receives >= opts.maxReceives) {
          const eventId = eventIdOf(r);
          await deps.stores.bills.recordDeadLetter({ eventId, body: r.body.slice(0, 10_000), error: (e as Error).message, receives, at: deps.clock().toISOString() });
        }
        throw e;
      }
    };
    parsePayload(sqsEventSchema, event, 'SQS event');
    return processPartialResponse(event, record, processor, { throwOnFullBatchFailure: false, context, skipGroupOnError: true });
  });
