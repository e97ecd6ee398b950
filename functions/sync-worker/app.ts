import type { FunctionDeps } from '../deps.js';
import { parseJsonPayload } from '#shared/adapters/http/payload.js';
import { makeSqsHandler } from '#shared/adapters/http/sqs.js';
import { withLogKeys } from '#shared/logger.js';
import { syncMessageSchema } from '#shared/domain/schemas/sync.js';
import { runSyncStep } from '#shared/use-cases/sync/engine.js';
import type { SlicingOptions } from '#shared/use-cases/sync/slice-plan.js';
import { runSliceStep } from '#shared/use-cases/sync/slice-step.js';

/**
 * Runs sync runs from the sync queue; hands a run off with a continuation message before the time
 * limit. Every line a step logs carries its `runId` and the message id.
 */
export const makeHandler = (
  deps: FunctionDeps<'sync-worker'>,
  opts: { reserveMs?: number; pageSize?: number; slicing?: SlicingOptions } = {},
) =>
  makeSqsHandler(async (r, context) => {
    const msg = parseJsonPayload(syncMessageSchema, r.body, 'sync message');
    const { runId } = msg;
    await withLogKeys({ runId, messageId: r.messageId }, async () => {
      const step = {
        owner: `${context.awsRequestId}/${r.messageId}`,
        remainingMs: () => context.getRemainingTimeInMillis(),
        reserveMs: opts.reserveMs ?? 90_000,
        ...(opts.pageSize ? { pageSize: opts.pageSize } : {}),
        ...(opts.slicing ? { slicing: opts.slicing } : {}),
      };
      // A message naming a slice continues that time slice of a sliced full sync.
      const result =
        msg.slice === undefined
          ? await runSyncStep(runId, deps, step)
          : await runSliceStep(runId, msg.slice, deps, step);
      if (result === 'continue') await deps.queues.sync.send(msg);
      // Another run of the org is active: look again later (seconds in local mode).
      if (result === 'wait')
        await deps.queues.sync.send(msg, { delaySeconds: deps.localMode ? 1 : 60 });
    });
  });
