/** Order intake from heterogeneous systems (logged ORDER_FETCH / API_PASSIVE / RECEIVED). */
import { randomUUID } from 'node:crypto';
import type { Deps } from '../deps.js';
import { NotFound } from '../errors.js';

export const receiveOrder = async (
  order: { systemId: string; orderNo: string } & Record<string, unknown>,
  deps: Deps<'config' | 'logs', never>,
): Promise<string> => {
  if (!(await deps.stores.config.getSystem(order.systemId)))
    throw new NotFound(
      `systemId: no system ${order.systemId} (register it with PUT /systems/${order.systemId})`,
    );
  const at = deps.clock().toISOString();
  const logId = `ord_${randomUUID()}`;
  await deps.stores.logs.create({
    logId,
    systemId: order.systemId,
    operationType: 'ORDER_FETCH',
    dataStatus: 'RECEIVED',
    processingMethod: 'API_PASSIVE',
    orderNo: order.orderNo,
    invoiceNo: null,
    request: order,
    response: null,
    attempts: [],
    createdAt: at,
    updatedAt: at,
  });
  return logId;
};
