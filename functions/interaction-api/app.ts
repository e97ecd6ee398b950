import type { FunctionDeps } from '../deps.js';
import { NotFound } from '#shared/domain/errors.js';
import { makeApiHandler, parse, withRoles } from '#shared/adapters/http/api.js';
import { orgOf } from '#shared/adapters/http/scope.js';
import { receiveOrder } from '#shared/use-cases/callbacks/orders.js';
import { pushByCondition, pushLogs } from '#shared/use-cases/callbacks/push.js';
import { queueResult } from '#shared/use-cases/callbacks/results.js';
import { fetchSystemOrders } from '#shared/use-cases/orders/fetch.js';
import { idSchema } from '#shared/domain/schemas/common.js';
import { fetchOrdersRequestSchema } from '#shared/domain/schemas/order-fetch.js';
import {
  logsQuerySchema,
  orderSchema,
  pushByConditionSchema,
  pushSchema,
  resultPushSchema,
} from '#shared/domain/schemas/interaction.js';
import { ROUTES } from '../routes.js';

/** Orders in, results in (→ callbacks), interaction logs out, operator pushes. */
export const makeHandler = (
  deps: FunctionDeps<'interaction-api'>,
  authSecret: () => Promise<string>,
) =>
  makeApiHandler(
    withRoles(ROUTES, {
      // An order belongs to the caller's org (and to one of its systems).
      'POST /billing/orders': async ({ body, principal }) => {
        const order = parse(orderSchema, body);
        const { logId } = await receiveOrder(order, orgOf(principal), deps);
        return { status: 202, body: { logId } };
      },
      // A result belongs to the pushing cloud credential's org, and reaches only its orders.
      'POST /billing/results': async ({ body, principal }) => {
        const r = parse(resultPushSchema, body);
        const queued = await queueResult(r, orgOf(principal), 'API_PASSIVE', deps);
        if (!queued) throw new NotFound(`orderNo: no system sent order ${r.orderNo}`);
        return {
          status: 200,
          body: {
            errcode: '0000',
            description: queued.created ? 'accepted' : 'already accepted',
            logId: queued.logId,
          },
        };
      },
      'GET /interaction-logs': async ({ query }) => {
        const q = parse(logsQuerySchema, query);
        return { status: 200, body: await deps.stores.logs.list(q, q.limit, q.cursor) };
      },
      'POST /interaction-logs/push': async ({ body }) => ({
        status: 200,
        body: { results: await pushLogs(parse(pushSchema, body).logIds, deps) },
      }),
      // Operator (or the console's 拉取订单): 404 unknown system, 409 no feed or already running.
      'POST /systems/{systemId}/fetch-orders': async ({ params, body }) => {
        const systemId = parse(idSchema, params.systemId);
        if (body !== undefined && body !== null) parse(fetchOrdersRequestSchema, body);
        return { status: 200, body: await fetchSystemOrders(systemId, 'API_ACTIVE', deps) };
      },
      'POST /interaction-logs/push-by-condition': async ({ body }) => ({
        status: 200,
        body: { results: await pushByCondition(parse(pushByConditionSchema, body), deps) },
      }),
    }),
    authSecret,
  );
