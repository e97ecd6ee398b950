import type { SQSRecord } from 'aws-lambda';
import type { FunctionDeps } from '../deps.js';
import { parseJsonPayload } from '#shared/adapters/http/payload.js';
import { makeSqsHandler } from '#shared/adapters/http/sqs.js';
import { logger, withLogKeys, type LogKeys } from '#shared/logger.js';
import { writebackMessageSchema } from '#shared/domain/schemas/bills.js';
import { applyBillEvent } from '#shared/use-cases/writeback/apply.js';

/** The correlation ids a message names (as far as its body is readable): event, bill and org. */
const idsOf = (r: SQSRecord): LogKeys => {
  const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
  try {
    const m = JSON.parse(r.body) as { eventId?: unknown; event?: Record<string, unknown> };
    return { eventId: str(m.eventId), billId: str(m.event?.billId), orgId: str(m.event?.orgId) };
  } catch {
    return {};
  }
};

/**
 * FIFO write-back consumer: events of one bill in order (a failure skips the rest of its group in
 * the batch), failures reported per message, and a copy of a message kept for operators on its last
 * receive.
 */
export const makeHandler = (
  deps: FunctionDeps<'bill-writeback'>,
  opts: { maxReceives: number },
) => {
  /**
   * One record, in its bill's and event's log scope (every line carries billId and eventId);
   * `ids`: what its body names (`idsOf`).
   */
  const handle = async (r: SQSRecord, ids: LogKeys): Promise<void> => {
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
          // The message id when the body is not a write-back message.
          eventId: typeof ids.eventId === 'string' ? ids.eventId : r.messageId,
          body: r.body.slice(0, 10_000),
          error: (e as Error).message,
          receives,
          at: deps.clock().toISOString(),
        });
      }
      throw e;
    }
  };
  return makeSqsHandler(
    (r) => {
      const ids = idsOf(r);
      return withLogKeys({ ...ids, messageId: r.messageId }, () => handle(r, ids));
    },
    { fifo: true },
  );
};
