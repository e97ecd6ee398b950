import * as z from 'zod';
import type { FunctionDeps } from '../deps.js';
import { BadRequest, NotFound } from '#shared/domain/errors.js';
import { makeApiHandler, parse, withRoles } from '#shared/adapters/http/api.js';
import type { Principal } from '#shared/adapters/http/jwt.js';
import { assertOrgAccess, isOperator } from '#shared/adapters/http/scope.js';
import { billEventSchema, billLogsQuery } from '#shared/domain/schemas/bills.js';
import { pageQuery } from '#shared/domain/schemas/common.js';
import { enqueueBillEvent } from '#shared/use-cases/writeback/enqueue.js';
import { ROUTES } from '../routes.js';

/** `Idempotency-Key`: printable ASCII, named by its header in a 400. */
const keyHeader = z.object({
  'idempotency-key': z
    .string()
    .min(1)
    .max(128)
    .regex(/^[\x21-\x7e]+$/, 'printable ASCII without spaces')
    .optional(),
});
const noOrg = (what: string) =>
  new BadRequest(`orgId: ${what}`, [{ path: 'orgId', message: what }]);

/**
 * The org whose bill log a caller reads (review H3): an operator names it; an expense caller reads
 * its own org only (another org's bill answers 404, so bill ids cannot be probed).
 */
const logOrg = (p: Principal, billId: string, orgId: string | undefined): string => {
  if (isOperator(p)) {
    if (!orgId) throw noOrg('required: a bill is identified by (orgId, billId)');
    return orgId;
  }
  if (!p.orgId) throw noOrg('required: your token carries no organisation');
  if (orgId && orgId !== p.orgId) throw new NotFound(`no bill ${billId} in org ${orgId}`);
  return p.orgId;
};

/**
 * Bill events go onto the FIFO write-back queue (never processed inline); logs and dead letters
 * come back out.
 */
export const makeHandler = (deps: FunctionDeps<'bills-api'>, authSecret: () => Promise<string>) =>
  makeApiHandler(
    withRoles(ROUTES, {
      'POST /bills/events': async ({ body, headers, principal }) => {
        const parsed = parse(billEventSchema, body);
        const key = parse(keyHeader, headers)['idempotency-key'];
        // The event always carries the org it was checked for (review H3).
        const orgId = parsed.orgId ?? principal.orgId;
        if (!orgId) throw noOrg('the event names no org and your token carries none');
        assertOrgAccess(principal, orgId);
        const eventId = await enqueueBillEvent(
          {
            event: { ...parsed, orgId },
            loginOrgId: principal.orgId ?? null,
            ...(key ? { key } : {}),
          },
          deps,
        );
        return { status: 202, body: { eventId } };
      },
      'GET /bills/{billId}/logs': async ({ params, query, principal }) => {
        const q = parse(billLogsQuery, query);
        const billId = parse(z.string().min(1).max(64), params.billId);
        const orgId = logOrg(principal, billId, q.orgId);
        return {
          status: 200,
          body: await deps.stores.bills.logs({ orgId, billId }, q.limit, q.cursor),
        };
      },
      'GET /bills/dead-letters': async ({ query }) => {
        const q = parse(pageQuery, query);
        return { status: 200, body: await deps.stores.bills.deadLetters(q.limit, q.cursor) };
      },
    }),
    authSecret,
  );
