/** Operator pushes (seed 004): re-push a log's result now, or push the result of an invoice found by condition. */
import { createHash } from 'node:crypto';
import type { Deps } from '../deps.js';
import { PUSHABLE, type Attempt, type InteractionLog, type ResultPayload } from '../schemas/interaction.js';
import { deliver } from './deliver.js';

export interface PushResult {
  logId: string;
  ok: boolean;
  error?: { code: string; message: string };
}

const record = async (log: InteractionLog, attempt: Attempt, deps: Deps): Promise<PushResult> => {
  await deps.stores.logs.recordAttempt(log.logId, attempt, attempt.ok ? 'SUCCEEDED' : 'FAILED');
  return attempt.ok ? { logId: log.logId, ok: true } : { logId: log.logId, ok: false, error: { code: 'DELIVERY_FAILED', message: attempt.error ?? 'delivery failed' } };
};

/** Push the current result of each log again (blue and red result callbacks only). */
export const pushLogs = async (logIds: string[], deps: Deps): Promise<PushResult[]> =>
  Promise.all(
    [...new Set(logIds)].map(async (logId): Promise<PushResult> => {
      const log = await deps.stores.logs.get(logId);
      if (!log) return { logId, ok: false, error: { code: 'NOT_FOUND', message: `no interaction log ${logId}` } };
      if (!PUSHABLE.includes(log.operationType) || !log.payload || !log.webhookId)
        return { logId, ok: false, error: { code: 'NOT_PUSHABLE', message: `only ${PUSHABLE.join(' and ')} logs can be pushed; this one is ${log.operationType}` } };
      const out = await deliver(log, log.webhookId, log.payload, 'push', deps);
      return record(log, out.attempt, deps);
    }),
  );

/** Find the output invoice with this order number and invoice number and push its result to each log's system. */
export const pushByCondition = async (req: { logIds: string[]; orderNo: string; invoiceNo: string }, deps: Deps): Promise<PushResult[]> => {
  const invoice = (await deps.stores.invoices.findByNumber(req.invoiceNo)).find((i) => i.orderNo === req.orderNo && i.type === 'output');
  const logs = await Promise.all([...new Set(req.logIds)].map(async (logId) => ({ logId, log: await deps.stores.logs.get(logId) })));
  if (!invoice) return logs.map(({ logId }) => ({ logId, ok: false, error: { code: 'NOT_FOUND', message: `no invoice with order number ${req.orderNo} and invoice number ${req.invoiceNo}; nothing sent` } }));
  const resultType = invoice.invoiceStatus === 2 || invoice.invoiceStatus === 3 ? 'RED' : 'BLUE';
  return Promise.all(
    logs.map(async ({ logId, log }): Promise<PushResult> => {
      if (!log) return { logId, ok: false, error: { code: 'NOT_FOUND', message: `no interaction log ${logId}` } };
      const payload: ResultPayload = { type: 'invoice.result', logId, orderNo: req.orderNo, resultType, invoiceNo: invoice.invoiceNo, invoiceCode: invoice.invoiceCode ?? null, serialNo: invoice.serialNo, reason: null, time: invoice.updateTime };
      const webhookId = `msg_${createHash('sha256').update(`${logId}\u0000${invoice.serialNo}\u0000${resultType}`).digest('hex').slice(0, 24)}`;
      const out = await deliver(log, webhookId, payload, 'push-by-condition', deps);
      return record(log, out.attempt, deps);
    }),
  );
};
