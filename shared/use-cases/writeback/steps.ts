/**
 * One event's cloud steps (release, save, status, delete), each logged on the bill and marked once
 * applied, so a redelivery of the event never sends an applied step again. A crash between a cloud
 * call and its marker repeats that call on redelivery; every bill call is idempotent at the cloud
 * (save replaces the bill, status sets it, delete treats 1404 as done once this product saved the
 * bill): the repeat has no second effect.
 */
import { CloudError, type CloudAuth, type CloudReply } from '../../adapters/cloud/client.js';
import type { BillLogEntry, BillOutcome } from '../../domain/schemas/bills.js';

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

export interface StepOptions {
  /** Cloud codes that mean the step's goal already holds, each with the note logged beside it. */
  okCodes?: Readonly<Record<string, string>>;
  note?: string;
  /** The step's marker when one event sends the step more than once (default: the step). */
  marker?: string;
}
export type StepRunner = <B extends object>(
  step: BillLogEntry['step'],
  fn: (a: CloudAuth, b: B) => Promise<CloudReply>,
  body: B,
  opts?: StepOptions,
) => Promise<true | Refusal>;

export const makeStepRunner =
  (o: {
    auth: CloudAuth;
    doneSteps: Set<string>;
    markStep: (marker: string) => Promise<void>;
    log: BillLog;
  }): StepRunner =>
  /** One logged cloud call: true when applied; the refusal when the cloud definitely said no. */
  async (step, fn, body, opts = {}) => {
    const marker = opts.marker ?? step;
    if (o.doneSteps.has(marker)) {
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
      await o.markStep(marker);
      const reply = { code: r.code, message: r.message, data: r.data, reqid: r.reqid };
      await o.log(step, body, reply, 'succeeded', opts.note);
      return true;
    } catch (err) {
      if (!(err instanceof CloudError)) throw err;
      const okNote = opts.okCodes?.[err.code];
      const reply = {
        code: err.code,
        message: err.message,
        reqid: err.reqid ?? null,
        traceId: err.traceId ?? null,
      };
      if (okNote !== undefined) await o.markStep(marker);
      await o.log(
        step,
        body,
        reply,
        okNote !== undefined ? 'succeeded' : 'failed',
        okNote ?? opts.note,
      );
      if (okNote !== undefined) return true;
      if (err.retryable) throw new RetryLater(`invoice cloud ${step} failed: ${err.message}`);
      return { code: err.code, message: err.message };
    }
  };
