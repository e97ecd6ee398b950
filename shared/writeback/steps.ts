/**
 * One event's cloud steps (save, status, delete), each logged on the bill and marked once applied,
 * so a redelivery of the event never sends an applied step again. A crash between a cloud call and
 * its marker repeats that call on redelivery; every bill call is idempotent at the cloud (save
 * replaces the bill, status sets it, delete treats 1404 as done): the repeat has no second effect.
 */
import { CloudError, type CloudAuth, type CloudReply } from '../cloud/client.js';
import type { BillLogEntry, BillOutcome } from '../schemas/bills.js';
import type { BillStore } from '../store/bill-store.js';

export class RetryLater extends Error {}

export type BillLog = (
  step: BillLogEntry['step'],
  request: unknown,
  response: unknown,
  outcome: BillOutcome,
  note?: string,
) => Promise<void>;

/** A definite refusal from the cloud, for the event's failure message. */
export interface Refusal {
  code: string;
  message: string;
}
export const describeRefusal = (r: Refusal) => `${r.code}: ${r.message}`;

export const makeStepRunner =
  (o: {
    eventId: string;
    auth: CloudAuth;
    doneSteps: Set<string>;
    bills: Pick<BillStore, 'markStep'>;
    log: BillLog;
    now: () => string;
  }) =>
  /** One logged cloud call: true when applied; the refusal when the cloud definitely said no. */
  async <B extends object>(
    step: BillLogEntry['step'],
    fn: (a: CloudAuth, b: B) => Promise<CloudReply>,
    body: B,
    opts: { okCodes?: string[]; note?: string } = {},
  ): Promise<true | Refusal> => {
    if (o.doneSteps.has(step)) {
      await o.log(
        step,
        body,
        { message: 'already applied by an earlier delivery of this event; not sent again' },
        'skipped',
      );
      return true;
    }
    try {
      const r = await fn(o.auth, body);
      await o.bills.markStep(o.eventId, step, o.now());
      const reply = { code: r.code, message: r.message, data: r.data, reqid: r.reqid };
      await o.log(step, body, reply, 'succeeded', opts.note);
      return true;
    } catch (err) {
      if (!(err instanceof CloudError)) throw err;
      const ok = (opts.okCodes ?? []).includes(err.code);
      const reply = {
        code: err.code,
        message: err.message,
        reqid: err.reqid ?? null,
        traceId: err.traceId ?? null,
      };
      await o.log(step, body, reply, ok ? 'succeeded' : 'failed', opts.note);
      if (ok) return true;
      if (err.retryable) throw new RetryLater(`invoice cloud ${step} failed: ${err.message}`);
      return { code: err.code, message: err.message };
    }
  };
