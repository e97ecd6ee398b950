/**
 * Applying one bill event to the invoice cloud (SPEC §3.3). Every cloud call is logged on the
 * bill (`SYNC_BILL_TO_CLOUD`). A bill is identified by (org, billId): its log, state, "used by"
 * entries and the event's markers are all keyed by both (review H3). One delivery at a time holds
 * an event (a claim), applied steps are marked, and a processed event is marked, so a redelivery
 * (later or at the same time) has no second effect beyond a logged skip. Definite refusals end the
 * event as failed with the reason; a deleted bill's later events end skipped; transient faults
 * throw `RetryLater` so SQS delivers the event again (after the receive limit, to the DLQ).
 */
import { randomUUID } from 'node:crypto';
import type { CloudAuth } from '../../adapters/cloud/client.js';
import { logger } from '../../logger.js';
import type { BillLogEntry, BillOutcome, WritebackMessage } from '../../domain/schemas/bills.js';
import type { EventRef } from '../../adapters/dynamo/bill-store.js';
import { cloudAuthFor, RunFailure } from '../sync/credentials.js';
import type { BillCtx, WritebackDeps } from './context.js';
import { applyDeleted, applySaved, applyUnbound } from './events.js';
import { MSG } from './messages.js';
import { makeStepRunner, RetryLater, type BillLog } from './steps.js';

export { RetryLater };

/**
 * How long one delivery holds an event: above the write-back Lambda's 60 s timeout, below its
 * queue's visibility timeout (6 × 60 s): a crashed delivery's claim expires before SQS redelivers.
 */
const CLAIM_MS = 90_000;

/** The `WriteBacks` metric's outcome of an event's end state. */
const METRIC_OUTCOME = { succeeded: 'applied', skipped: 'skipped', failed: 'failed' } as const;

/**
 * Apply one write-back message, once: a second delivery while the first still runs goes back to
 * the queue (`RetryLater`), so two copies of one message never call the cloud side by side. Its
 * end state is counted in the `WriteBacks` metric (a retried delivery counts nothing yet).
 */
export const applyBillEvent = async (
  m: WritebackMessage,
  attempt: number,
  deps: WritebackDeps,
): Promise<BillOutcome> => {
  const outcome = await applyOnce(m, attempt, deps);
  deps.metrics.count('WriteBacks', { Outcome: METRIC_OUTCOME[outcome] });
  return outcome;
};

const applyOnce = async (
  m: WritebackMessage,
  attempt: number,
  deps: WritebackDeps,
): Promise<BillOutcome> => {
  const orgId = m.event.orgId ?? m.loginOrgId;
  if (!orgId) {
    // Only a message queued around the API (which always names the org) gets here: no bill to log
    // on.
    logger.warn('write-back event without an org: failed', { eventId: m.eventId });
    return 'failed';
  }
  const { bills } = deps.stores;
  const ev: EventRef = { orgId, billId: m.event.billId, eventId: m.eventId };
  const owner = randomUUID();
  const now = deps.clock();
  const until = new Date(now.getTime() + CLAIM_MS).toISOString();
  if (!(await bills.claimEvent(ev, owner, now.toISOString(), until)))
    throw new RetryLater(`event ${m.eventId} is being applied by another delivery; retried later`);
  try {
    return await applyClaimed(m, ev, attempt, deps);
  } finally {
    // Best effort: a claim left behind expires after CLAIM_MS.
    await bills.releaseEvent(ev, owner).catch(() => undefined);
  }
};

const applyClaimed = async (
  m: WritebackMessage,
  ev: EventRef,
  attempt: number,
  deps: WritebackDeps,
): Promise<BillOutcome> => {
  const { bills } = deps.stores;
  const e = m.event;
  const { orgId } = ev;
  const now = () => deps.clock().toISOString();
  let seq = 0;
  const log: BillLog = (step, request, response, outcome, note) =>
    bills.log(
      {
        orgId,
        billId: e.billId,
        eventId: m.eventId,
        operationType: 'SYNC_BILL_TO_CLOUD',
        step,
        request,
        response,
        outcome,
        attempt,
        at: now(),
        ...(note ? { note } : {}),
      } satisfies BillLogEntry,
      ++seq,
    );
  const finish = async (outcome: BillOutcome, message?: string): Promise<BillOutcome> => {
    if (message) await log('event', { type: e.type }, { message }, outcome);
    // A redriven event that ends here leaves the dead-letter list (a no-op for any other event):
    // neither write waits for the other.
    await Promise.all([bills.markProcessed(ev, outcome, now()), bills.clearDeadLetter(m.eventId)]);
    return outcome;
  };

  const earlier = await bills.eventState(ev);
  if (earlier.outcome) {
    const message = MSG.duplicate(earlier.outcome);
    await log('event', { type: e.type }, { message }, 'skipped');
    return 'skipped';
  }
  if (!(await deps.stores.config.getConfig()).writeback) return finish('skipped', MSG.switchedOff);
  const state = await bills.state(ev);
  // A deleted bill stays deleted: a later event (a late unbind, a redriven save) must not
  // re-create it. The event that deleted it, redelivered after recording that, carries on.
  if (state?.deleted && !earlier.steps.has('delete'))
    return finish('skipped', MSG.deleted(e.billId));
  // Events of one bill arrive in order (FIFO group), except one redriven from its DLQ after
  // newer ones: it must not put an older list back in the cloud.
  const last = state?.lastEventAt;
  if (last && m.receivedAt < last && earlier.steps.size === 0)
    return finish('skipped', MSG.superseded(m.receivedAt, last));
  let auth: CloudAuth;
  try {
    ({ auth } = await cloudAuthFor(orgId, deps));
  } catch (err) {
    if (err instanceof RunFailure) return finish('failed', MSG.noAuth(orgId, err.message));
    throw err;
  }

  // SPEC: only invoices with a cloud serial number are written back; each is sent once.
  const without = e.serialNos.filter((s) => !s).length;
  if (without)
    await log(
      'event',
      { serialNos: e.serialNos },
      { message: MSG.withoutSerial(without) },
      'skipped',
    );
  const ident = { billNo: e.billNo, billId: e.billId, userId: e.userId, dataSource: e.dataSource };
  const c: BillCtx = {
    e,
    orgId,
    ident,
    given: [...new Set(e.serialNos.filter((s): s is string => Boolean(s)))],
    state,
    deps,
    log,
    finish,
    call: makeStepRunner({
      auth,
      doneSteps: earlier.steps,
      markStep: (marker) => bills.markStep(ev, marker, now()),
      log,
    }),
    record: (serialNos, deleted, forcedWrites = state?.forcedWrites) =>
      bills.saveState(
        {
          ...ident,
          orgId,
          serialNos,
          billStatus: e.billStatus,
          deleted,
          ...(forcedWrites ? { forcedWrites } : {}),
          lastEventAt: last && last > m.receivedAt ? last : m.receivedAt,
          updatedAt: now(),
        },
        state?.serialNos ?? [],
      ),
  };
  switch (e.type) {
    case 'deleted':
      return applyDeleted(c);
    case 'invoiceUnbound':
      return applyUnbound(c);
    case 'saved':
      return applySaved(c);
  }
};
