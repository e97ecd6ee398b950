import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import type { FunctionDeps } from '../deps.js';
import { parsePayload } from '#shared/adapters/http/payload.js';
import {
  DEFAULT_SCHEDULE,
  fetchAllSystems,
  type ScheduleOptions,
} from '#shared/use-cases/orders/schedule.js';
import { scheduledEventSchema } from '#shared/domain/schemas/events.js';

/**
 * EventBridge every 15 minutes → new orders from every system with an `orderFetchUrl`
 * (`SCHEDULED`), a few systems at a time within the invocation's time; a failing system is
 * recorded and tried again next time. Answers a summary for operators.
 */
export const makeHandler = (
  deps: FunctionDeps<'order-fetch'>,
  options: Partial<Omit<ScheduleOptions, 'remainingMs'>> = {},
) =>
  middy<unknown, unknown, Error, Context>().handler(async (event, context) => {
    parsePayload(scheduledEventSchema, event, 'scheduled event');
    return fetchAllSystems(deps, {
      ...DEFAULT_SCHEDULE,
      ...options,
      remainingMs: context.getRemainingTimeInMillis(),
    });
  });
