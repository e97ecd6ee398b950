import middy from '@middy/core';
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';
import type { Deps } from '#shared/deps.js';
import { parseJsonPayload, parsePayload } from '#shared/http/payload.js';
import { sqsEventSchema } from '#shared/schemas/events.js';
import { syncMessageSchema } from '#shared/schemas/sync.js';
import { runSyncStep } from '#shared/sync/engine.js';

/** Runs sync runs from the sync queue; hands a run off with a continuation message before the time limit. */
export const makeHandler = (deps: Deps, opts: { reserveMs?: number; pageSize?: number } = {}) =>
  middy<SQSEvent, unknown, Error, Context>().handler(async (event, context) => {
    const processor = new BatchProcessor(EventType.SQS);
    const record = async (r: SQSRecord) => {
      const { runId } = parseJsonPayload(syncMessageSchema, r.body, 'sync message');
      const result = await runSyncStep(runId, deps, {
        owner: `${context.awsRequestId}/${r.messageId}`,
        remainingMs: () => context.getRemainingTimeInMillis(),
        reserveMs: opts.reserveMs ?? 90_000,
        ...(opts.pageSize ? { pageSize: opts.pageSize } : {}),
      });
      if (result === 'continue') await deps.queues.sync.send({ runId });
    };
    parsePayload(sqsEventSchema, event, 'SQS event');
    return processPartialResponse(event, record, processor, { throwOnFullBatchFailure: false, context });
  });
