/** Operator pushes (seed 004): re-push a log's result now, or push the result of an invoice found by condition. */
import { createHash } from 'node:crypto';
import type { Deps } from '../deps.js';

type PushDeps = Deps<'config' | 'logs' | 'invoices', never>;
import {
  PUSHABLE,
  type Attempt,
  type InteractionLog,
  type ResultPayload,
} from '../schemas/interaction.js';
import { cachedTargets, deliver } from './deliver.js';

export interface PushResult {
  logId: string;
  ok: boolean;
  error?: { code: string; message: string };
}

const outcome = (logId: string, attempt: Attempt): PushResult =>
  attempt.ok
    ? { logId, ok: true }
    : {
        logId,
        ok: false,
        error: { code: 'DELIVERY_FAILED', message: attempt.error ?? 'delivery failed' },
      };

/** Deliver to each log, then record every attempt in one write (transactions of up to 100). */
const deliverAll = async (
  jobs: { log: InteractionLog; send: () => Promise<Attempt> }[],
  deps: PushDeps,
): Promise<Map<string, PushResult>> => {
  const attempts = await Promise.all(
    jobs.map(async (j) => ({ logId: j.log.logId, attempt: await j.send() })),
  );
  await deps.stores.logs.recordAttempts(
    attempts.map((a) => ({ ...a, dataStatus: a.attempt.ok ? 'SUCCEEDED' : 'FAILED' })),
  );
  return new Map(attempts.map((a) => [a.logId, outcome(a.logId, a.attempt)]));
};

/** Push the current result of each log again (blue and red result callbacks only). */
export const pushLogs = async (logIds: string[], deps: PushDeps): Promise<PushResult[]> => {
  const ids = [...new Set(logIds)];
  const logs = await deps.stores.logs.getMany(ids);
  const targets = cachedTargets(deps);
  const refused = new Map<string, PushResult>();
  const jobs: { log: InteractionLog; send: () => Promise<Attempt> }[] = [];
  for (const logId of ids) {
    const log = logs.get(logId);
    if (!log)
      refused.set(logId, {
        logId,
        ok: false,
        error: { code: 'NOT_FOUND', message: `no interaction log ${logId}` },
      });
    else if (!PUSHABLE.includes(log.operationType) || !log.payload || !log.webhookId)
      refused.set(logId, {
        logId,
        ok: false,
        error: {
          code: 'NOT_PUSHABLE',
          message: `only ${PUSHABLE.join(' and ')} logs can be pushed; this one is ${log.operationType}`,
        },
      });
    else
      jobs.push({
        log,
        send: async () =>
          (await deliver(log, log.webhookId!, log.payload, 'push', deps, { targets })).attempt,
      });
  }
  const sent = await deliverAll(jobs, deps);
  return ids.map((id) => refused.get(id) ?? sent.get(id)!);
};

/** Find the output invoice with this order number and invoice number and push its result to each log's system. */
export const pushByCondition = async (
  req: { logIds: string[]; orderNo: string; invoiceNo: string },
  deps: PushDeps,
): Promise<PushResult[]> => {
  const ids = [...new Set(req.logIds)];
  const invoice = (await deps.stores.invoices.findByNumber(req.invoiceNo)).find(
    (i) => i.orderNo === req.orderNo && i.type === 'output',
  );
  if (!invoice)
    return ids.map((logId) => ({
      logId,
      ok: false,
      error: {
        code: 'NOT_FOUND',
        message: `no invoice with order number ${req.orderNo} and invoice number ${req.invoiceNo}; nothing sent`,
      },
    }));
  const logs = await deps.stores.logs.getMany(ids);
  const targets = cachedTargets(deps);
  const resultType = invoice.invoiceStatus === 2 || invoice.invoiceStatus === 3 ? 'RED' : 'BLUE';
  const jobs = ids.flatMap((logId) => {
    const log = logs.get(logId);
    if (!log) return [];
    const payload: ResultPayload = {
      type: 'invoice.result',
      logId,
      orderNo: req.orderNo,
      resultType,
      invoiceNo: invoice.invoiceNo,
      invoiceCode: invoice.invoiceCode ?? null,
      serialNo: invoice.serialNo,
      reason: null,
      time: invoice.updateTime,
    };
    const webhookId = `msg_${createHash('sha256').update(`${logId}\u0000${invoice.serialNo}\u0000${resultType}`).digest('hex').slice(0, 24)}`;
    return [
      {
        log,
        send: async () =>
          (await deliver(log, webhookId, payload, 'push-by-condition', deps, { targets })).attempt,
      },
    ];
  });
  const sent = await deliverAll(jobs, deps);
  return ids.map(
    (logId) =>
      sent.get(logId) ?? {
        logId,
        ok: false,
        error: { code: 'NOT_FOUND', message: `no interaction log ${logId}` },
      },
  );
};
