/**
 * `POST /bills/events`: a checked bill event onto the FIFO write-back queue (never applied inline).
 * The group is the bill, `${orgId}#${billId}` or its hash (review H3: one org's events never delay
 * another's); the de-duplication id is the event id. A client's `Idempotency-Key` (per org) is
 * kept create-once with a TTL: a retry with the same key and body answers the same event id and
 * enqueues nothing.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { Deps } from '../../deps.js';
import { Unprocessable } from '../../domain/errors.js';
import type { BillEvent, WritebackMessage } from '../../domain/schemas/bills.js';

/** How long a key is remembered: a day covers any client's retries. */
export const IDEMPOTENCY_TTL_SECONDS = 86_400;

/** An SQS FIFO `MessageGroupId`: at most 128 characters of `!`–`~`. */
const SQS_GROUP_ID = /^[\x21-\x7e]{1,128}$/;
const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

/**
 * The bill's FIFO group: `${orgId}#${billId}` when that is a valid group id, else a stable hash
 * of the bill id (a Chinese or very long bill id), else of both (a very long org id). Every form
 * is one group per (org, bill), the same for every event of the bill.
 */
export const writebackGroupId = (orgId: string, billId: string): string => {
  const plain = `${orgId}#${billId}`;
  if (SQS_GROUP_ID.test(plain)) return plain;
  const hashed = `${orgId}#h:${sha256(billId).slice(0, 40)}`;
  return SQS_GROUP_ID.test(hashed) ? hashed : `h:${sha256(plain)}`;
};

export const enqueueBillEvent = async (
  input: { event: BillEvent & { orgId: string }; loginOrgId: string | null; key?: string },
  deps: Deps<'bills', 'writeback'>,
): Promise<string> => {
  const { event, key } = input;
  const now = deps.clock();
  const eventId = randomUUID();
  if (key) {
    const bodyHash = sha256(JSON.stringify(event));
    const expiresAt = Math.floor(now.getTime() / 1000) + IDEMPOTENCY_TTL_SECONDS;
    const earlier = await deps.stores.bills.rememberIdempotencyKey(event.orgId, key, {
      eventId,
      bodyHash,
      expiresAt,
    });
    if (earlier) {
      if (earlier.bodyHash !== bodyHash)
        throw new Unprocessable('Idempotency-Key was used before with a different event', [
          { path: 'Idempotency-Key', message: `already used for event ${earlier.eventId}` },
        ]);
      return earlier.eventId;
    }
  }
  const message: WritebackMessage = {
    eventId,
    receivedAt: now.toISOString(),
    loginOrgId: input.loginOrgId,
    event,
  };
  try {
    await deps.queues.writeback.send(message, {
      groupId: writebackGroupId(event.orgId, event.billId),
      dedupId: eventId,
    });
  } catch (e) {
    // Not queued: a retry with the key must queue it, not answer an event that never ran.
    if (key)
      await deps.stores.bills
        .forgetIdempotencyKey(event.orgId, key, eventId)
        .catch(() => undefined);
    throw e;
  }
  return eventId;
};
