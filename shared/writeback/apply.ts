/**
 * Applying one bill event to the invoice cloud (SPEC §3.3). Every cloud call is logged on the bill
 * (`SYNC_BILL_TO_CLOUD`). A processed event is marked, so a re-delivery has no second effect beyond a
 * logged attempt. Definite refusals (bad org, 1409, unknown bill) end the event as failed; transient
 * faults throw `RetryLater` so SQS delivers it again (and, after the receive limit, to the DLQ).
 */
import { CloudError, type CloudAuth, type CloudReply } from '../cloud/client.js';
import { billDeleteBody, billSaveBody, billStatusBody } from '../cloud/contract.js';
import type { Deps } from '../deps.js';
import type { BillLogEntry, BillOutcome, WritebackMessage } from '../schemas/bills.js';
import { cloudAuthFor, RunFailure } from '../sync/credentials.js';
import { expenseStatusForBill } from './expense-status.js';

export class RetryLater extends Error {}

export const applyBillEvent = async (
  m: WritebackMessage,
  attempt: number,
  deps: Deps<'bills' | 'config' | 'invoices', never>,
): Promise<BillOutcome> => {
  const { bills } = deps.stores;
  const e = m.event;
  const log = (
    step: BillLogEntry['step'],
    request: unknown,
    response: unknown,
    outcome: BillOutcome,
  ) =>
    bills.log({
      billId: e.billId,
      eventId: m.eventId,
      operationType: 'SYNC_BILL_TO_CLOUD',
      step,
      request,
      response,
      outcome,
      attempt,
      at: deps.clock().toISOString(),
    });
  const finish = async (outcome: BillOutcome, message?: string): Promise<BillOutcome> => {
    if (message) await log('event', { type: e.type }, { message }, outcome);
    await bills.markProcessed(m.eventId, e.billId, outcome, deps.clock().toISOString());
    return outcome;
  };

  const earlier = await bills.eventState(m.eventId);
  if (earlier.outcome) {
    await log(
      'event',
      { type: e.type },
      {
        message: `duplicate delivery: the event was already processed (${earlier.outcome}); nothing sent`,
      },
      'skipped',
    );
    return 'skipped';
  }
  if (!(await deps.stores.config.getConfig()).writeback)
    return finish(
      'skipped',
      'write-back is switched off (PUT /config {"writeback": true}); the event is recorded here and nothing was sent',
    );
  const orgId = e.orgId ?? m.loginOrgId;
  if (!orgId)
    return finish(
      'failed',
      "no organisation: the event names none and the caller's token carried no login org",
    );
  let auth: CloudAuth;
  try {
    ({ auth } = await cloudAuthFor(orgId, deps));
  } catch (err) {
    if (err instanceof RunFailure)
      return finish('failed', `no invoice-cloud authorization for org ${orgId}: ${err.message}`);
    throw err;
  }

  // Only invoices the cloud knows (a serial number in the pool) are written back.
  const given = e.serialNos.filter((s): s is string => Boolean(s));
  const pool = await deps.stores.invoices.getCloudMany(orgId, 'input', given);
  const skipped = [
    ...e.serialNos.filter((s) => !s).map(() => '(none)'),
    ...given.filter((s) => !pool.has(s)),
  ];
  if (skipped.length)
    await log(
      'event',
      { serialNos: e.serialNos },
      {
        message: `skipped ${skipped.length} invoice(s) without a cloud serial number: ${skipped.join(', ')}`,
      },
      'skipped',
    );
  const cloudSerials = given.filter((s) => pool.has(s));

  // Steps this event already applied (an earlier delivery that failed later): not sent twice.
  const doneSteps = earlier.steps;
  /** One logged cloud call: true when applied; the refusal code when the cloud definitely said no. */
  const call = async (
    step: BillLogEntry['step'],
    fn: (a: CloudAuth, b: never) => Promise<CloudReply>,
    body: object,
    okCodes: string[] = [],
  ): Promise<true | string> => {
    if (doneSteps.has(step)) {
      await log(
        step,
        body,
        { message: 'already applied by an earlier delivery of this event; not sent again' },
        'skipped',
      );
      return true;
    }
    try {
      const r = await fn(auth, body as never);
      await bills.markStep(m.eventId, step, deps.clock().toISOString());
      await log(
        step,
        body,
        { code: r.code, message: r.message, data: r.data, reqid: r.reqid },
        'succeeded',
      );
      return true;
    } catch (err) {
      if (!(err instanceof CloudError)) throw err;
      const ok = okCodes.includes(err.code);
      await log(
        step,
        body,
        {
          code: err.code,
          message: err.message,
          reqid: err.reqid ?? null,
          traceId: err.traceId ?? null,
        },
        ok ? 'succeeded' : 'failed',
      );
      if (ok) return true;
      if (err.retryable) throw new RetryLater(`invoice cloud ${step} failed: ${err.message}`);
      return err.code;
    }
  };

  const ident = { billNo: e.billNo, billId: e.billId, userId: e.userId, dataSource: e.dataSource };
  const state = await bills.state(e.billId);
  const cloud = {
    save: (a: CloudAuth, b: never) => deps.cloud.saveBill(a, b),
    status: (a: CloudAuth, b: never) => deps.cloud.billStatus(a, b),
    delete: (a: CloudAuth, b: never) => deps.cloud.deleteBill(a, b),
  };
  switch (e.type) {
    case 'saved':
    case 'invoiceUnbound': {
      if (e.type === 'invoiceUnbound' && !state)
        return finish(
          'failed',
          `bill ${e.billId} was never saved through write-back: nothing to unbind from`,
        );
      const list =
        e.type === 'saved' ? cloudSerials : state!.serialNos.filter((s) => !given.includes(s));
      const shared = await Promise.all(list.map((s) => bills.otherBillsUsing(orgId, s, e.billId)));
      const forceWrite = shared.some((b) => b.length > 0);
      const save = (force: boolean) =>
        call('save', cloud.save, billSaveBody({ ...ident, forceWrite: force, serialNos: list }));
      let saved = await save(forceWrite);
      // 1409: the cloud knows an invoice is on another bill (one saved elsewhere, or concurrently) — the case
      // in which the rule is to force-write.
      if (saved === '1409' && !forceWrite) saved = await save(true);
      if (saved !== true) return finish('failed');
      if (
        e.type === 'saved' &&
        (await call(
          'status',
          cloud.status,
          billStatusBody({
            ...ident,
            expenseStatus: expenseStatusForBill(e.billStatus),
            serialNos: list,
          }),
        )) !== true
      )
        return finish('failed');
      await bills.saveState(
        {
          billId: e.billId,
          billNo: e.billNo,
          orgId,
          serialNos: list,
          billStatus: e.billStatus,
          deleted: false,
          updatedAt: deps.clock().toISOString(),
        },
        state?.serialNos ?? [],
      );
      return finish('succeeded');
    }
    case 'deleted': {
      // 1404: the cloud has no such bill (e.g. this event's earlier delivery deleted it) — the goal holds.
      if ((await call('delete', cloud.delete, billDeleteBody(ident), ['1404'])) !== true)
        return finish('failed');
      await bills.saveState(
        {
          billId: e.billId,
          billNo: e.billNo,
          orgId,
          serialNos: [],
          billStatus: e.billStatus,
          deleted: true,
          updatedAt: deps.clock().toISOString(),
        },
        state?.serialNos ?? [],
      );
      return finish('succeeded');
    }
  }
};
