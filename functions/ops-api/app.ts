import { makeApiHandler, withRoles } from '#shared/adapters/http/api.js';
import {
  listDeadLetters,
  parseDlqQueue,
  redriveDeadLetters,
  type DeadLetterQueues,
} from '#shared/use-cases/ops/dead-letters.js';
import { ROUTES } from '../routes.js';

/**
 * Operations routes (operator only): each dead-letter queue's depth, and a redrive of one DLQ back
 * to its queue. The function touches no table: it holds only the DLQs' redrive grants.
 */
export const makeHandler = (dlqs: DeadLetterQueues, authSecret: () => Promise<string>) =>
  makeApiHandler(
    withRoles(ROUTES, {
      'GET /dead-letters': async () => ({ status: 200, body: await listDeadLetters(dlqs) }),
      'POST /dead-letters/{queue}/redrive': async ({ params }) => ({
        status: 202,
        body: await redriveDeadLetters(parseDlqQueue(params.queue), dlqs),
      }),
    }),
    authSecret,
  );
