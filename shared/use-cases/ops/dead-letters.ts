/**
 * Operators' view of the three dead-letter queues (SPEC §5, issue 16): how many messages wait in
 * each, and a redrive that moves them all back to their source queue. Redriving is safe by
 * construction of the consumers: a sync message resumes its run from the checkpoint, a callback
 * message re-reads its log's retry state, and a write-back event is checked against the bill's
 * current state first (an event already processed is skipped; so is any event of a bill deleted
 * since, so an old `saved` cannot bring a deleted bill back).
 */
import * as z from 'zod';
import { BadRequest } from '../../domain/errors.js';
import { logger } from '../../logger.js';
import type { DeadLetterQueue } from '../../ports.js';

/** The queues that have a DLQ, by the names the routes use. */
export const DLQ_QUEUES = ['sync', 'writeback', 'callbacks'] as const;
export type DlqQueue = (typeof DLQ_QUEUES)[number];
export type DeadLetterQueues = Record<DlqQueue, DeadLetterQueue>;

export interface DeadLetterCount {
  queue: DlqQueue;
  /** Approximate, as SQS counts: messages in flight of a running move task are not in it. */
  messages: number;
}

/** Each DLQ's depth (`GET /dead-letters`). */
export const listDeadLetters = async (
  dlqs: DeadLetterQueues,
): Promise<{ items: DeadLetterCount[] }> => ({
  items: await Promise.all(
    DLQ_QUEUES.map(async (queue) => ({ queue, messages: await dlqs[queue].depth() })),
  ),
});

const queueSchema = z.enum(DLQ_QUEUES);

/** `queue` of a path, or a 400 naming the field and the queues there are. */
export const parseDlqQueue = (value: unknown): DlqQueue => {
  const r = queueSchema.safeParse(value);
  if (r.success) return r.data;
  const message = `one of ${DLQ_QUEUES.join(', ')}`;
  throw new BadRequest(`queue: ${message}`, [{ path: 'queue', message }]);
};

/**
 * Start moving every message of `queue`'s DLQ back to the queue (`POST /dead-letters/{queue}/
 * redrive`). SQS moves them asynchronously; the answer is the move task's handle. A DLQ whose
 * move task still runs refuses a second one (409).
 */
export const redriveDeadLetters = async (
  queue: DlqQueue,
  dlqs: DeadLetterQueues,
): Promise<{ queue: DlqQueue; taskHandle: string }> => {
  const waiting = await dlqs[queue].depth();
  const taskHandle = await dlqs[queue].redrive();
  logger.info('dead-letter redrive started', { queue, messages: waiting, taskHandle });
  return { queue, taskHandle };
};
