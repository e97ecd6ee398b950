/**
 * Results to customer systems: an order's blue / red / reject result, learned from the cloud's
 * result push or from output invoices arriving by sync, becomes one callback log and a message on
 * the callback queue. A result belongs to one org (the pushing cloud credential's, or the sync
 * run's) and is routed only to that org's order of that number: another org's order is never
 * reached. The log id is derived from what both sources always carry, `(org, system, orderNo,
 * resultType)`, so a repeated push, a re-sync, or the same result learned from both creates nothing
 * new (one log, one webhook id).
 */
import { createHash } from 'node:crypto';
import type { Deps } from '../../deps.js';
import type { CloudInvoice } from '../../domain/schemas/cloud.js';
import {
  CALLBACK_OF,
  type InteractionLog,
  type ResultPayload,
  type ResultType,
  resultTypeOfStatus,
} from '../../domain/schemas/interaction.js';
import type { LogHead } from '../../adapters/dynamo/log-store.js';
import { orderLogId } from './orders.js';

export interface Result {
  orderNo: string;
  resultType: ResultType;
  invoiceNo?: string | null | undefined;
  invoiceCode?: string | null | undefined;
  serialNo?: string | null | undefined;
  reason?: string | null | undefined;
  time: string;
}

/**
 * The result's identity: its org and system, the order and the result type. Serial and invoice
 * numbers are optional in the cloud's push, so not part of it.
 */
export const resultLogId = (
  r: Pick<Result, 'orderNo' | 'resultType'> & { orgId: string; systemId: string },
) =>
  `cb_${createHash('sha256')
    .update([r.orgId, r.systemId, r.orderNo, r.resultType].join('\u0000'))
    .digest('hex')
    .slice(0, 24)}`;

type ResultDeps = Pick<Deps<'logs', 'callbacks'>, 'stores' | 'queues' | 'clock'>;

/**
 * Queue the callback of a result of org `orgId`. `null` when that org has no such order: nothing
 * is created or sent. A result seen again whose log was never picked up by the sender (its first
 * enqueue failed) is queued again; the sender's attempt claim makes a second message harmless.
 */
export const queueResult = async (
  r: Result,
  orgId: string,
  method: InteractionLog['processingMethod'],
  deps: ResultDeps,
): Promise<{ logId: string; created: boolean } | null> =>
  queueResultFor(r, orgId, method, await deps.stores.logs.head(orderLogId(orgId, r.orderNo)), deps);

/** {@link queueResult} with the order log (`orderLogId(orgId, r.orderNo)`) already read. */
const queueResultFor = async (
  r: Result,
  orgId: string,
  method: InteractionLog['processingMethod'],
  order: LogHead | undefined,
  deps: ResultDeps,
): Promise<{ logId: string; created: boolean } | null> => {
  if (order?.operationType !== 'ORDER_FETCH' || order.orgId !== orgId) return null;
  const logId = resultLogId({ ...r, orgId, systemId: order.systemId });
  const payload: ResultPayload = {
    type: 'invoice.result',
    logId,
    orderNo: r.orderNo,
    resultType: r.resultType,
    invoiceNo: r.invoiceNo ?? null,
    invoiceCode: r.invoiceCode ?? null,
    serialNo: r.serialNo ?? null,
    reason: r.reason ?? null,
    time: r.time,
  };
  const at = deps.clock().toISOString();
  const created = await deps.stores.logs.create({
    logId,
    orgId,
    systemId: order.systemId,
    operationType: CALLBACK_OF[r.resultType],
    dataStatus: 'RECEIVED',
    processingMethod: method,
    orderNo: r.orderNo,
    invoiceNo: r.invoiceNo ?? null,
    request: payload,
    response: null,
    attempts: [],
    webhookId: `msg_${logId}`,
    payload,
    createdAt: at,
    updatedAt: at,
    nextAttemptAt: at,
  });
  const stuck = async () => {
    const log = await deps.stores.logs.head(logId);
    return log?.dataStatus === 'RECEIVED' && !log.autoClaimed;
  };
  if (created || (await stuck())) await deps.queues.callbacks.send({ logId, attempt: 0 });
  return { logId, created };
};

/** Output invoices of org `orgId` (a sync run's, or a push's) that answer one of its orders. */
export const resultsFromOutput = async (
  records: CloudInvoice[],
  orgId: string,
  deps: ResultDeps,
): Promise<void> => {
  const answering = records.flatMap((r) => {
    const resultType = resultTypeOfStatus(r.invoiceStatus);
    return r.orderNo && resultType
      ? [{ r, orderNo: r.orderNo, resultType, logId: orderLogId(orgId, r.orderNo) }]
      : [];
  });
  if (!answering.length) return;
  // The page's order logs in one consistent batch read, not one GetItem per record.
  const orders = await deps.stores.logs.getMany(answering.map((a) => a.logId));
  for (const { r, orderNo, resultType, logId } of answering)
    await queueResultFor(
      {
        orderNo,
        resultType,
        invoiceNo: r.invoiceNo,
        invoiceCode: r.invoiceCode ?? null,
        serialNo: r.serialNo,
        time: r.updateTime,
      },
      orgId,
      'DB_SYNC',
      orders.get(logId),
      deps,
    );
};
