import middy from '@middy/core';
import {
  BatchProcessor,
  EventType,
  processPartialResponse,
  SqsFifoPartialProcessorAsync,
} from '@aws-lambda-powertools/batch';
import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';
import { sqsEventSchema } from '../../domain/schemas/events.js';
import { parsePayload } from './payload.js';

/**
 * The thin adapter every queue consumer uses: the event envelope checked (a malformed direct invoke
 * is a clear 400, not a crash), records handled one by one, failures reported per message — a batch
 * whose records all fail answers with all of them rather than throwing. FIFO queues skip the rest
 * of a failed message's group, so a bill's later events never overtake it.
 */
export const makeSqsHandler = (
  record: (r: SQSRecord, context: Context) => Promise<void>,
  opts: { fifo?: boolean } = {},
) =>
  middy<SQSEvent, unknown, Error, Context>().handler(async (event, context) => {
    parsePayload(sqsEventSchema, event, 'SQS event');
    const handle = (r: SQSRecord) => record(r, context);
    return opts.fifo
      ? processPartialResponse(event, handle, new SqsFifoPartialProcessorAsync(), {
          context,
          throwOnFullBatchFailure: false,
          skipGroupOnError: true,
        })
      : processPartialResponse(event, handle, new BatchProcessor(EventType.SQS), {
          context,
          throwOnFullBatchFailure: false,
        });
  });
