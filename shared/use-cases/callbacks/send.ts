/**
 * Automatic callback delivery from the callback queue: one attempt per message, then a retry with
 * backoff (honouring `Retry-After`) until the schedule is spent: 7 attempts over about 26 hours by
 * default. SQS delays a message 15 minutes at most, so longer waits travel as hops carrying
 * `notBefore`.
 */
import type { Deps } from '../../deps.js';
import { logger } from '../../logger.js';
import type { CallbackMessage } from '../../domain/schemas/interaction.js';
import { deliver, type DeliveryOutcome } from './deliver.js';

/** Waits after failed attempts 1..6 (seconds). */
export const DEFAULT_RETRY_DELAYS = [60, 300, 1800, 7200, 28800, 57600];
const MAX_SQS_DELAY = 900;

export interface SendPolicy {
  delays: number[];
  timeoutMs?: number | undefined;
}

/**
 * When to try again after attempt `made + 1` ended with `out` (ms since the epoch), or null when
 * there is no retry: delivered, a permanent failure, or the schedule `delays` spent. The wait is
 * the schedule's, or the receiver's `Retry-After` when that is longer.
 */
export const nextAttemptAt = (
  delays: readonly number[],
  made: number,
  now: number,
  out: Pick<DeliveryOutcome, 'permanent' | 'retryAfter'> & { attempt: { ok: boolean } },
): number | null => {
  const wait = delays[made];
  return out.attempt.ok || out.permanent || wait === undefined
    ? null
    : now + Math.max(wait, out.retryAfter ?? 0) * 1000;
};

/** The SQS delay of a hop due at `notBefore`: what is left of the wait, 15 minutes at most. */
export const hopDelaySeconds = (notBefore: number, now: number): number =>
  Math.min(MAX_SQS_DELAY, Math.max(0, Math.ceil((notBefore - now) / 1000)));

/** How long a claimed attempt may run before another message or the sweep may take it over. */
export const CLAIM_LEASE_MS = 5 * 60_000;

type Outcome = 'delivered' | 'retrying' | 'gave-up' | 'waiting' | 'stale';

/**
 * One automatic attempt per message. The retry state lives in the log: each attempt is claimed with
 * a conditional update, so a duplicated message delivers nothing twice; the attempt, the status and
 * `nextAttemptAt` are recorded together; a message redelivered after its attempt failed but before
 * its follow-up was queued queues it again (the follow-up carries a fixed attempt number, so two
 * are harmless).
 */
export const sendCallback = async (
  msg: CallbackMessage,
  deps: Deps<'config' | 'logs', 'callbacks'>,
  policy: SendPolicy,
): Promise<Outcome> => {
  const now = deps.clock().getTime();
  const logs = deps.stores.logs;
  const made = msg.attempt ?? 0;
  const n = made + 1;
  const hop = async (notBefore: number, attempt: number) =>
    deps.queues.callbacks.send(
      { logId: msg.logId, notBefore, attempt },
      { delaySeconds: hopDelaySeconds(notBefore, now) },
    );
  if (msg.notBefore && msg.notBefore > now) {
    await hop(msg.notBefore, made);
    return 'waiting';
  }
  const log = await logs.head(msg.logId);
  if (!log?.payload || !log.webhookId) {
    logger.warn('callback message for an unknown log dropped', { logId: msg.logId });
    return 'stale';
  }
  if (log.dataStatus === 'SUCCEEDED') return 'stale';
  const claimed = log.autoClaimed ?? 0;
  const done = log.autoDone ?? 0;
  const lease = new Date(now + CLAIM_LEASE_MS).toISOString();
  if (claimed === n && done === n) {
    // Attempt n failed and was recorded; its follow-up may be lost (the handler died before
    // queueing it).
    if (!log.nextAttemptAt || log.hopFor === n) return 'stale';
    await hop(Date.parse(log.nextAttemptAt), n);
    await logs.markHop(log.logId, n);
    return 'retrying';
  }
  const mine =
    claimed === made
      ? await logs.claimAttempt(log.logId, n, lease)
      : claimed === n &&
        done === made &&
        !!log.nextAttemptAt &&
        Date.parse(log.nextAttemptAt) <= now &&
        (await logs.takeOverAttempt(log.logId, n, log.nextAttemptAt, lease));
  // Another copy holds (or held) this attempt, or the message is older than the log's state.
  if (!mine) return 'stale';
  const out = await deliver(log, log.webhookId, log.payload, 'automatic', deps, {
    timeoutMs: policy.timeoutMs,
  });
  const next = nextAttemptAt(policy.delays, made, now, out);
  const status = out.attempt.ok ? 'SUCCEEDED' : 'FAILED';
  const nextAt = next === null ? null : new Date(next).toISOString();
  if (!(await logs.recordAutomatic(log.logId, n, out.attempt, status, nextAt))) return 'stale';
  if (out.attempt.ok) {
    deps.metrics.count('Callbacks', { Outcome: 'delivered' });
    return 'delivered';
  }
  if (next === null) {
    logger.warn('callback given up', { logId: log.logId, attempts: n, error: out.attempt.error });
    deps.metrics.count('Callbacks', { Outcome: 'given_up' });
    return 'gave-up';
  }
  deps.metrics.count('Callbacks', { Outcome: 'retrying' });
  await hop(next, n);
  await logs.markHop(log.logId, n);
  return 'retrying';
};

/** Default sweep: logs of the last 3 days whose next attempt is 15 minutes overdue. */
export const SWEEP_LOOKBACK_MS = 3 * 24 * 3600_000;
export const SWEEP_GRACE_MS = 15 * 60_000;

/**
 * Re-queue callbacks whose next automatic attempt is overdue: a result whose first enqueue failed,
 * a follow-up message lost, a claimer that died. The queued message names the attempts already
 * recorded, so the sender's claim makes a sweep racing a live message harmless. Returns how many
 * were queued.
 */
export const sweepCallbacks = async (
  deps: Deps<'logs', 'callbacks'>,
  { lookbackMs = SWEEP_LOOKBACK_MS, graceMs = SWEEP_GRACE_MS } = {},
): Promise<number> => {
  const now = deps.clock().getTime();
  const iso = (ms: number) => new Date(ms).toISOString();
  const due = await deps.stores.logs.dueForRetry(
    iso(now - lookbackMs),
    iso(now),
    iso(now - graceMs),
  );
  for (const log of due)
    await deps.queues.callbacks.send({ logId: log.logId, attempt: log.autoDone ?? 0 });
  if (due.length) logger.info('overdue callbacks re-queued', { count: due.length });
  return due.length;
};
