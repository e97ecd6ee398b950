import middy from '@middy/core';
import type { FunctionDeps } from '../deps.js';
import { parsePayload } from '#shared/adapters/http/payload.js';
import { scheduledEventSchema } from '#shared/domain/schemas/events.js';
import { dailySync } from '#shared/use-cases/sync/schedules.js';

/** EventBridge daily schedule → one input run per eligible org for today and the look-back days. */
export const makeHandler = (deps: FunctionDeps<'daily-sync'>) =>
  middy<unknown, unknown>().handler(async (event) => {
    const { time } = parsePayload(scheduledEventSchema, event, 'scheduled event');
    const { created, existing } = await dailySync(new Date(time), deps);
    return {
      created: created.map((r) => ({ runId: r.runId, orgId: r.orgId, dataDate: r.dataDate })),
      alreadyQueued: existing,
    };
  });
