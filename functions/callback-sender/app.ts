import middy from '@middy/core';
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';
import { sendCallback, type SendPolicy } from '#shared/callbacks/send.js';
import type { Deps } from '#shared/deps.js';
import { parseJsonPayload, parsePayload } from '#shared/http/payload.js';
import { sqsEventSchema } from '#shared/schemas/events.js';
import { callbackMessageSchema } from '#shared/schemas/interaction.js';

/** Delivers queued callbacks; each failed delivery is re-queued with its backoff, so the message itself succeeds. */
export const makeHandler = (deps: Deps, policy: SendPolicy) =>
  middy<SQSEvent, unknown, Error, Context>().handler(async (event, context) => {
    const processor = new BatchProcessor(EventType.SQS);
    const record = async (r: SQSRecord) => {
      await sendCallback(parseJsonPayload(callbackMessageSchema, r.body, 'callback message'), deps, policy);
    };
    parsePayload(sqsEventSchema, event, 'SQS event');
    return processPartialResponse(event, record, processor, { throwOnFullBatchFailure: false, context });
  });
