/** The bill log's event messages, in one place: each reads as a sentence an operator can act on. */
import { describeRefusal, type Refusal } from './steps.js';

const NOT_RECREATED = 'a deleted bill is never re-created';
const EMPTY_SAVE = 'an empty save would empty the bill in the cloud';
const RECORDED = "the bill's invoices are recorded, so its later events apply";
const NOT_POOLED = 'not synced yet, or pooled under another org or kind';
const RELEASED = 'treated as already released';

export const MSG = {
  duplicate: (outcome: string) =>
    `duplicate delivery: the event was already processed (${outcome}); nothing sent`,
  switchedOff:
    'write-back is switched off (PUT /config {"writeback": true}); ' +
    'the event is recorded here and nothing was sent',
  deleted: (billId: string) =>
    `bill ${billId} was deleted by an earlier event: nothing was sent (${NOT_RECREATED})`,
  superseded: (receivedAt: string, lastEventAt: string) =>
    `an older event (received ${receivedAt}) arrived after a newer one of this bill was applied ` +
    `(received ${lastEventAt}), e.g. redriven from the dead-letter queue: nothing was sent`,
  noAuth: (orgId: string, why: string) => `no invoice-cloud authorization for org ${orgId}: ${why}`,
  withoutSerial: (n: number) =>
    `skipped ${n} invoice(s) without a cloud serial number: ${Array(n).fill('(none)').join(', ')}`,
  neverSaved: (billId: string, orgId: string) =>
    `bill ${billId} was never saved through write-back for org ${orgId}: nothing to unbind from`,
  emptySave:
    'a saved event with no invoice with a cloud serial number: ' +
    `nothing was sent (${EMPTY_SAVE})`,
  saveRefused: (r: Refusal) =>
    `the invoice cloud refused the save (${describeRefusal(r)}); nothing of this event was written`,
  statusRefused: (r: Refusal) =>
    'the bill was saved in the invoice cloud, but its status update was refused ' +
    `(${describeRefusal(r)}); ${RECORDED}`,
  deleteRefused: (r: Refusal) => `the invoice cloud refused the delete (${describeRefusal(r)})`,
  deleteUnknown: (billId: string, orgId: string, r: Refusal) =>
    `bill ${billId} was never saved through write-back for org ${orgId}, and the invoice cloud ` +
    `has no such bill (${describeRefusal(r)}): nothing was deleted`,
  releaseRefused: (r: Refusal) =>
    `the invoice cloud refused to release invoices (status 1) while on the bill ` +
    `(${describeRefusal(r)}); nothing after the release was sent`,
  unboundLast: (serials: string[]) =>
    `the last invoice(s) of the bill were unbound (${serials.join(', ')}): released, and the ` +
    `bill is deleted instead of an empty save (${EMPTY_SAVE})`,
  keptInUse: (serials: string[]) =>
    `not released, still on another bill of this org: ${serials.join(', ')}`,
  forced: (r: Refusal, count: number) =>
    `an invoice is on another bill in the invoice cloud (${describeRefusal(r)}): ` +
    `saved again with force-write, as the rule says (forced saves of this bill so far: ${count})`,
  notPooled: (missing: string[]) =>
    `sent ${missing.length} invoice(s) not in the invoice pool yet (${NOT_POOLED}): ` +
    missing.join(', '),
};

/** Notes beside a cloud answer that means the step's goal already holds. */
export const NOTE = {
  notOnBill: `1301: the invoice is no longer on the bill in the invoice cloud: ${RELEASED}`,
  billGone: `1404: the invoice cloud has no such bill, so it holds no invoice: ${RELEASED}`,
  deletedEarlier:
    '1404: the invoice cloud has no such bill; this product saved it for this org, so an ' +
    'earlier delivery (or the cloud itself) deleted it: the goal holds',
};
