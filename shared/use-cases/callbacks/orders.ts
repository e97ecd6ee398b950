/** Order intake from heterogeneous systems (logged ORDER_FETCH / API_PASSIVE / RECEIVED). */
import { createHash } from 'node:crypto';
import type { Deps } from '../../deps.js';
import { NotFound } from '../../domain/errors.js';
import type { InteractionLog } from '../../domain/schemas/interaction.js';

/**
 * An order's log id: one per (org, order number). Creating it once is the order number's claim in
 * that org; the same number in another org is another order.
 */
export const orderLogId = (orgId: string, orderNo: string): string =>
  `ord_${createHash('sha256').update(`${orgId}\u0000${orderNo}`).digest('hex').slice(0, 24)}`;

/** How an order reached the product (SPEC §4.6): called, fetched on demand, or by schedule. */
export type OrderMethod = Exclude<InteractionLog['processingMethod'], 'DB_SYNC'>;

/**
 * Claim an order number in an org and log it `ORDER_FETCH` / `RECEIVED` with how it arrived: the
 * one claim path of every way orders come in (pushed to us, pulled on demand, pulled by
 * schedule). The first claim wins; a repeat (from any system of the org, by any method) changes
 * nothing and answers `created: false`.
 */
export const claimOrder = async (
  order: { systemId: string; orderNo: string } & Record<string, unknown>,
  orgId: string,
  method: OrderMethod,
  deps: Pick<Deps<'logs', never>, 'stores' | 'clock'>,
): Promise<{ logId: string; created: boolean }> => {
  const at = deps.clock().toISOString();
  const logId = orderLogId(orgId, order.orderNo);
  const created = await deps.stores.logs.create({
    logId,
    orgId,
    systemId: order.systemId,
    operationType: 'ORDER_FETCH',
    dataStatus: 'RECEIVED',
    processingMethod: method,
    orderNo: order.orderNo,
    invoiceNo: null,
    request: order,
    response: null,
    attempts: [],
    createdAt: at,
    updatedAt: at,
  });
  return { logId, created };
};

/**
 * Receive an order for one of the caller's org's systems. A system of another org answers 404, as
 * an unknown one does (ids cannot be probed). The first claim of an order number in an org wins:
 * a later one (from any of the org's systems) answers with the existing order and changes nothing,
 * so results of that order keep going to the system that sent it first.
 */
export const receiveOrder = async (
  order: { systemId: string; orderNo: string } & Record<string, unknown>,
  orgId: string,
  deps: Deps<'config' | 'logs', never>,
): Promise<{ logId: string; created: boolean }> => {
  const system = await deps.stores.config.getSystem(order.systemId);
  if (system?.orgId !== orgId)
    throw new NotFound(`systemId: no system ${order.systemId} in organisation ${orgId}`);
  return claimOrder(order, orgId, 'API_PASSIVE', deps);
};
