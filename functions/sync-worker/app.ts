import type { FunctionDeps } from '../deps.js';
import { parseJsonPayload } from '#shared/http/payload.js';
import { makeSqsHandler } from '#shared/http/sqs.js';
import { syncMessageSchema } from '#shared/schemas/sync.js';
import { runSyncStep } from '#shared/sync/engine.js';

/**
 * Runs sync runs from the sync queue; hands a run off with a continuation message before the time
 * limit.
 */
export const makeHandler = (
  deps: FunctionDeps<'sync-worker'>,
  opts: { reserveMs?: number; pageSize?: number } = {},
) =>
  makeSqsHandler(async (r, context) => {
    const { runId } = parseJsonPayload(syncMessageSchema, r.body, 'sync message');
    const result = await runSyncStep(runId, deps, {
      owner: `${context.awsRequestId}/${r.messageId}`,
      remainingMs: () => context.getRemainingTimeInMillis(),
      reserveMs: opts.reserveMs ?? 90_000,
      ...(opts.pageSize ? { pageSize: opts.pageSize } : {}),
    });
    if (result === 'continue') await deps.queues.sync.send({ runId });
    // Another run of the org is active: look again later (seconds in local mode).
    if (result === 'wait')
      await deps.queues.sync.send({ runId }, { delaySeconds: deps.localMode ? 1 : 60 });
  });
