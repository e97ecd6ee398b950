/**
 * Operator pushes (seed 004): re-push a log's result now, or push the result of an invoice found by
 * condition.
 */
import { createHash } from 'node:crypto';
import type { Deps } from '../../deps.js';
import { BadRequest, Conflict } from '../../domain/errors.js';
import {
  CALLBACK_OF,
  PUSHABLE,
  type Attempt,
  type ResultPayload,
  resultTypeOfStatus,
} from '../../domain/schemas/interaction.js';
import type { LogHead } from '../../adapters/dynamo/log-store.js';
import { cachedTargets, deliver } from './deliver.js';

type PushDeps = Deps<'config' | 'logs' | 'invoices', never>;

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

const onlyPushable = `only ${PUSHABLE.join(' and ')} logs can be pushed`;

/**
 * Deliver to each log, recording each attempt as soon as its POST answers (batched writes that
 * overlap the POSTs still in flight; see `attemptRecorder`). Answers once every attempt is stored.
 */
const deliverAll = async (
  jobs: { log: LogHead; send: () => Promise<Attempt> }[],
  deps: PushDeps,
): Promise<Map<string, PushResult>> => {
  const recorder = deps.stores.logs.attemptRecorder();
  const settled = await Promise.allSettled(
    jobs.map(async (j) => {
      const attempt = await j.send();
      const dataStatus = attempt.ok ? 'SUCCEEDED' : 'FAILED';
      recorder.add({ logId: j.log.logId, attempt, dataStatus });
      return { logId: j.log.logId, attempt };
    }),
  );
  await recorder.close();
  const failed = settled.find((s) => s.status === 'rejected');
  if (failed) throw failed.reason;
  const sent = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  return new Map(sent.map((a) => [a.logId, outcome(a.logId, a.attempt)]));
};

/** Push the current result of each log again (blue and red result callbacks only). */
export const pushLogs = async (logIds: string[], deps: PushDeps): Promise<PushResult[]> => {
  const ids = [...new Set(logIds)];
  const logs = await deps.stores.logs.getMany(ids);
  const targets = cachedTargets(deps);
  const refused = new Map<string, PushResult>();
  const jobs: { log: LogHead; send: () => Promise<Attempt> }[] = [];
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
          message: `${onlyPushable}; this one is ${log.operationType}`,
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

/** A push by condition's webhook id: the same for the same log, invoice and result. */
const conditionWebhookId = (logId: string, serialNo: string, resultType: string): string => {
  const digest = createHash('sha256').update(`${logId}\u0000${serialNo}\u0000${resultType}`);
  return `msg_${digest.digest('hex').slice(0, 24)}`;
};

/**
 * The selected logs must be this order's, and a result log must be of the invoice's result:
 * otherwise one slip sends an invoice result to another order's system. All refused before anything
 * is sent.
 */
const checkSelection = (
  logs: Map<string, LogHead>,
  orderNo: string,
  resultType: 'BLUE' | 'RED',
): void => {
  const foreign = [...logs.values()].filter((l) => l.orderNo !== orderNo);
  const mismatched = [...logs.values()].filter(
    (l) => l.operationType !== 'ORDER_FETCH' && l.operationType !== CALLBACK_OF[resultType],
  );
  const refuse = (message: string) => {
    throw new BadRequest(message, [{ path: 'logIds', message }]);
  };
  if (foreign.length)
    refuse(
      `logs ${foreign.map((l) => l.logId).join(', ')} are not for order ${orderNo}; nothing sent`,
    );
  if (mismatched.length)
    refuse(
      `logs ${mismatched.map((l) => l.logId).join(', ')} ` +
        `are not ${resultType} results of order ${orderNo}; nothing sent`,
    );
};

/**
 * The one org the selected logs belong to (`undefined` for logs written before orgs owned them):
 * an order number means something only within an org, so one push never spans orgs.
 */
const logsOrg = (logs: Map<string, LogHead>): string | undefined => {
  const orgs = new Set([...logs.values()].map((l) => l.orgId));
  if (orgs.size > 1) {
    const message = 'logs of several organisations selected; nothing sent';
    throw new BadRequest(message, [{ path: 'logIds', message }]);
  }
  return [...orgs][0];
};

/**
 * Find the output invoice of the logs' org with this order number and invoice number and push its
 * result to each log's system. The logs must belong to one org and to that order (and, for result
 * logs, that result), and the invoice must be one org's: a mismatch is a 400 naming `logIds`, an
 * invoice found in several orgs a 409 naming `invoiceNo`; nothing is sent then.
 */
export const pushByCondition = async (
  req: { logIds: string[]; orderNo: string; invoiceNo: string },
  deps: PushDeps,
): Promise<PushResult[]> => {
  const ids = [...new Set(req.logIds)];
  const logs = await deps.stores.logs.getMany(ids);
  const org = logsOrg(logs);
  const matches = (await deps.stores.invoices.findByNumber(req.invoiceNo)).filter(
    (i) =>
      i.orderNo === req.orderNo && i.type === 'output' && (org === undefined || i.orgId === org),
  );
  const orgs = new Set(matches.map((i) => i.orgId));
  if (orgs.size > 1)
    throw new Conflict(
      `invoiceNo: invoice ${req.invoiceNo} of order ${req.orderNo} ` +
        `is in several orgs (${[...orgs].join(', ')}); nothing sent`,
    );
  const invoice = matches[0];
  if (!invoice) {
    const wanted = `order number ${req.orderNo} and invoice number ${req.invoiceNo}`;
    return ids.map((logId) => ({
      logId,
      ok: false,
      error: { code: 'NOT_FOUND', message: `no invoice with ${wanted}; nothing sent` },
    }));
  }
  const resultType = resultTypeOfStatus(invoice.invoiceStatus) ?? 'BLUE';
  checkSelection(logs, req.orderNo, resultType);
  const targets = cachedTargets(deps);
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
    const webhookId = conditionWebhookId(logId, invoice.serialNo, resultType);
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
