import { randomUUID } from 'node:crypto';
import * as z from 'zod';
import type { FunctionDeps } from '../deps.js';
import { makeApiHandler, parse, withRoles } from '#shared/http/api.js';
import { assertOrgAccess } from '#shared/http/scope.js';
import { billEventSchema } from '#shared/schemas/bills.js';
import { cursorSchema, limitSchema } from '#shared/schemas/common.js';
import { ROUTES } from '../routes.js';

const page = z.object({ limit: limitSchema, cursor: cursorSchema });

/** Bill events go onto the FIFO write-back queue (never processed inline); logs and dead letters come back out. */
export const makeHandler = (deps: FunctionDeps<'bills-api'>, authSecret: () => Promise<string>) =>
  makeApiHandler(
    withRoles(ROUTES, {
      'POST /bills/events': async ({ body, principal }) => {
        const event = parse(billEventSchema, body);
        if (event.orgId) assertOrgAccess(principal, event.orgId);
        const eventId = randomUUID();
        await deps.queues.writeback.send(
          {
            eventId,
            receivedAt: deps.clock().toISOString(),
            loginOrgId: principal.orgId ?? null,
            event,
          },
          { groupId: event.billId, dedupId: eventId },
        );
        return { status: 202, body: { eventId } };
      },
      'GET /bills/{billId}/logs': async ({ params, query }) => {
        const q = parse(page, query);
        return {
          status: 200,
          body: await deps.stores.bills.logs(
            parse(z.string().min(1).max(64), params.billId),
            q.limit,
            q.cursor,
          ),
        };
      },
      'GET /bills/dead-letters': async ({ query }) => {
        const q = parse(page, query);
        return { status: 200, body: await deps.stores.bills.deadLetters(q.limit, q.cursor) };
      },
    }),
    authSecret,
  );
