import middy from '@middy/core';
import type { FunctionDeps } from '../deps.js';
import { parsePayload } from '#shared/adapters/http/payload.js';
import { scheduledEventSchema } from '#shared/domain/schemas/events.js';
import { retryFailed } from '#shared/use-cases/sync/schedules.js';

/**
 * EventBridge retry schedule → failed runs queued again; stalled runs resumed from their
 * checkpoint.
 */
export const makeHandler = (deps: FunctionDeps<'sync-retry'>) =>
  middy<unknown, unknown>().handler(async (event) => {
    const { time } = parsePayload(scheduledEventSchema, event, 'scheduled event');
    const { retried, resumed } = await retryFailed(new Date(time), deps);
    return {
      retried: retried.map((r) => ({
        runId: r.runId,
        orgId: r.orgId,
        attemptCount: r.attemptCount,
      })),
      resumed: resumed.map((r) => r.runId),
    };
  });
