/**
 * Applying one bill event to the invoice cloud (SPEC §3.3). Every cloud call is logged on the
 * bill (`SYNC_BILL_TO_CLOUD`). One delivery at a time holds an event (a claim), applied steps are
 * marked, and a processed event is marked, so a redelivery (later or at the same time) has no
 * second effect beyond a logged skip. Definite refusals (bad org, 1409 after force-write, unknown
 * bill or invoice) end the event as failed with the reason; a deleted bill's later events end
 * skipped; transient faults throw `RetryLater` so SQS delivers the event again (after the receive
 * limit, to the DLQ).
 */
import { randomUUID } from 'node:crypto';
import type { CloudAuth } from '../cloud/client.js';
import { billDeleteBody, billSaveBody, billStatusBody } from '../cloud/contract.js';
import type { Deps } from '../deps.js';
import type { BillLogEntry, BillOutcome, WritebackMessage } from '../schemas/bills.js';
import { cloudAuthFor, RunFailure } from '../sync/credentials.js';
import { expenseStatusForBill } from './expense-status.js';
import { MSG } from './messages.js';
import { makeStepRunner, RetryLater, type BillLog } from './steps.js';

export { RetryLater };

/**
 * How long one delivery holds an event: above the write-back Lambda's 60 s timeout, below its
 * queue's visibility timeout (6 × 60 s): a crashed delivery's claim expires before SQS redelivers.
 */
const CLAIM_MS = 90_000;

type WritebackDeps = Deps<'bills' | 'config' | 'invoices', never>;

/**
 * Apply one write-back message, once: a second delivery while the first still runs goes back to
 * the queue (`RetryLater`), so two copies of one message never call the cloud side by side.
 */
export const applyBillEvent = async (
  m: WritebackMessage,
  attempt: number,
  deps: WritebackDeps,
): Promise<BillOutcome> => {
  const { bills } = deps.stores;
  const owner = randomUUID();
  const now = deps.clock();
  const until = new Date(now.getTime() + CLAIM_MS).toISOString();
  if (!(await bills.claimEvent(m.eventId, owner, now.toISOString(), until)))
    throw new RetryLater(`event ${m.eventId} is being applied by another delivery; retried later`);
  try {
    return await applyClaimed(m, attempt, deps);
  } finally {
    // Best effort: a claim left behind expires after CLAIM_MS.
    await bills.releaseEvent(m.eventId, owner).catch(() => undefined);
  }
};

const applyClaimed = async (
  m: WritebackMessage,
  attempt: number,
  deps: WritebackDeps,
): Promise<BillOutcome> => {
  const { bills } = deps.stores;
  const e = m.event;
  const now = () => deps.clock().toISOString();
  const log: BillLog = (step, request, response, outcome, note) =>
    bills.log({
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
    } satisfies BillLogEntry);
  const finish = async (outcome: BillOutcome, message?: string): Promise<BillOutcome> => {
    if (message) await log('event', { type: e.type }, { message }, outcome);
    await bills.markProcessed(m.eventId, e.billId, outcome, now());
    return outcome;
  };

  const earlier = await bills.eventState(m.eventId);
  if (earlier.outcome) {
    const message = MSG.duplicate(earlier.outcome);
    await log('event', { type: e.type }, { message }, 'skipped');
    return 'skipped';
  }
  if (!(await deps.stores.config.getConfig()).writeback) return finish('skipped', MSG.switchedOff);
  const state = await bills.state(e.billId);
  // A deleted bill stays deleted: a later event (a late unbind, a redriven save) must not
  // re-create it. The event that deleted it, redelivered after recording that, carries on.
  if (state?.deleted && !earlier.steps.has('delete'))
    return finish('skipped', MSG.deleted(e.billId));
  const orgId = e.orgId ?? m.loginOrgId;
  if (!orgId) return finish('failed', MSG.noOrg);
  let auth: CloudAuth;
  try {
    ({ auth } = await cloudAuthFor(orgId, deps));
  } catch (err) {
    if (err instanceof RunFailure) return finish('failed', MSG.noAuth(orgId, err.message));
    throw err;
  }

  // SPEC: only invoices with a cloud serial number are written back; each is sent once.
  const without = e.serialNos.filter((s) => !s).length;
  const given = [...new Set(e.serialNos.filter((s): s is string => Boolean(s)))];
  if (without)
    await log(
      'event',
      { serialNos: e.serialNos },
      { message: MSG.withoutSerial(without) },
      'skipped',
    );

  const call = makeStepRunner({
    eventId: m.eventId,
    auth,
    doneSteps: earlier.steps,
    bills,
    log,
    now,
  });
  const ident = { billNo: e.billNo, billId: e.billId, userId: e.userId, dataSource: e.dataSource };
  const record = (serialNos: string[], deleted: boolean) =>
    bills.saveState(
      { ...ident, orgId, serialNos, billStatus: e.billStatus, deleted, updatedAt: now() },
      state?.serialNos ?? [],
    );

  if (e.type === 'deleted') {
    // 1404: the cloud has no such bill (this event's earlier delivery deleted it): the goal holds.
    const del = await call('delete', (a, b) => deps.cloud.deleteBill(a, b), billDeleteBody(ident), {
      okCodes: ['1404'],
    });
    if (del !== true) return finish('failed', MSG.deleteRefused(del));
    await record([], true);
    return finish('succeeded');
  }

  if (e.type === 'invoiceUnbound' && !state) return finish('failed', MSG.neverSaved(e.billId));
  const list = e.type === 'saved' ? given : state!.serialNos.filter((s) => !given.includes(s));
  if (e.type === 'saved' && !list.length) return finish('failed', MSG.emptySave);
  const note = e.type === 'saved' ? await notPooled(deps, orgId, list) : undefined;
  const shared = await Promise.all(list.map((s) => bills.otherBillsUsing(orgId, s, e.billId)));
  const forceWrite = shared.some((b) => b.length > 0);
  const save = (force: boolean) =>
    call(
      'save',
      (a, b) => deps.cloud.saveBill(a, b),
      billSaveBody({ ...ident, forceWrite: force, serialNos: list }),
      note ? { note } : {},
    );
  let saved = await save(forceWrite);
  // 1409: the cloud knows an invoice is on another bill (one saved elsewhere, or concurrently):
  // the case in which the rule is to force-write.
  if (saved !== true && saved.code === '1409' && !forceWrite) saved = await save(true);
  if (saved !== true) return finish('failed', MSG.saveRefused(saved));
  const status =
    e.type === 'saved'
      ? await call(
          'status',
          (a, b) => deps.cloud.billStatus(a, b),
          billStatusBody({
            ...ident,
            expenseStatus: expenseStatusForBill(e.billStatus),
            serialNos: list,
          }),
        )
      : true;
  // The cloud has the bill from here on, whatever its status step said: record it for later events.
  await record(list, false);
  if (status !== true) return finish('failed', MSG.statusRefused(status));
  return finish('succeeded');
};

/** Diagnostics only: serials sent that the input pool does not hold. */
const notPooled = async (
  deps: WritebackDeps,
  orgId: string,
  serials: string[],
): Promise<string | undefined> => {
  const pool = await deps.stores.invoices.getCloudMany(orgId, 'input', serials);
  const missing = serials.filter((s) => !pool.has(s));
  return missing.length ? MSG.notPooled(missing) : undefined;
};
