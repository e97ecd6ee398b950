import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import type { FunctionDeps } from '../deps.js';
import { parsePayload } from '#shared/adapters/http/payload.js';
import { DEFAULT_PUSH_BUDGET, type PushBudget } from '#shared/use-cases/push-channel/budget.js';
import { pollTokens } from '#shared/use-cases/push-channel/channel.js';
import { consumePush } from '#shared/use-cases/push-channel/consume.js';
import { scheduledEventSchema } from '#shared/domain/schemas/events.js';

/**
 * EventBridge every minute → each org with pushing enabled long-polls its push channel within the
 * time budget; messages are stored, then acknowledged. Polling tokens live as long as the
 * container.
 */
export const makeHandler = (
  deps: FunctionDeps<'push-consumer'>,
  budget: Partial<PushBudget> = {},
) => {
  const tokens = pollTokens();
  return middy<unknown, unknown, Error, Context>().handler(async (event, context) => {
    parsePayload(scheduledEventSchema, event, 'scheduled event');
    return consumePush(deps, {
      budget: { ...DEFAULT_PUSH_BUDGET, ...budget },
      remainingMs: context.getRemainingTimeInMillis(),
      tokens,
    });
  });
};
