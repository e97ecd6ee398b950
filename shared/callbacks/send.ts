/**
 * Automatic callback delivery from the callback queue: one attempt per message, then a retry with
 * backoff (honouring `Retry-After`) until the schedule is spent: 7 attempts over about 26 hours by default.
 * SQS delays a message 15 minutes at most, so longer waits travel as hops carrying `notBefore`.
 */
import type { Deps } from '../deps.js';
import { logger } from '../logger.js';
import type { CallbackMessage } from '../schemas/interaction.js';
import { deliver } from './deliver.js';

/** Waits after failed attempts 1..6 (seconds). */
export const DEFAULT_RETRY_DELAYS = [60, 300, 1800, 7200, 28800, 57600];
const MAX_SQS_DELAY = 900;

export interface SendPolicy {
  delays: number[];
  timeoutMs?: number | undefined;
}

export const sendCallback = async (
  msg: CallbackMessage,
  deps: Deps<'config' | 'logs', 'callbacks'>,
  policy: SendPolicy,
): Promise<'delivered' | 'retrying' | 'gave-up' | 'waiting' | 'stale'> => {
  const now = deps.clock().getTime();
  const hop = (notBefore: number, attempt: number) =>
    deps.queues.callbacks.send(
      { logId: msg.logId, notBefore, attempt },
      { delaySeconds: Math.min(MAX_SQS_DELAY, Math.max(0, Math.ceil((notBefore - now) / 1000))) },
    );
  if (msg.notBefore && msg.notBefore > now) {
    await hop(msg.notBefore, msg.attempt ?? 0);
    return 'waiting';
  }
  const log = await deps.stores.logs.get(msg.logId);
  if (!log?.payload || !log.webhookId) {
    logger.warn('callback message for an unknown log dropped', { logId: msg.logId });
    return 'stale';
  }
  const automatic = log.attempts.filter((a) => a.trigger === 'automatic').length;
  // A re-delivered message whose attempt is already recorded, or a log already delivered, has no second effect.
  if (log.dataStatus === 'SUCCEEDED' || automatic !== (msg.attempt ?? 0)) return 'stale';
  const out = await deliver(log, log.webhookId, log.payload, 'automatic', deps, {
    timeoutMs: policy.timeoutMs,
  });
  await deps.stores.logs.recordAttempt(
    log.logId,
    out.attempt,
    out.attempt.ok ? 'SUCCEEDED' : 'FAILED',
  );
  if (out.attempt.ok) return 'delivered';
  const wait = policy.delays[automatic];
  if (out.permanent || wait === undefined) {
    logger.warn('callback given up', {
      logId: log.logId,
      attempts: automatic + 1,
      error: out.attempt.error,
    });
    return 'gave-up';
  }
  await hop(now + Math.max(wait, out.retryAfter ?? 0) * 1000, automatic + 1);
  return 'retrying';
};
