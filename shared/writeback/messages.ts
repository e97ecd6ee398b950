/** The bill log's event messages, in one place: each reads as a sentence an operator can act on. */
import { describeRefusal, type Refusal } from './steps.js';

const NOT_RECREATED = 'a deleted bill is never re-created';
const EMPTY_SAVE = 'an empty save would empty the bill in the cloud';
const RECORDED = "the bill's invoices are recorded, so its later events apply";
const NOT_POOLED = 'not synced yet, or pooled under another org or kind';

export const MSG = {
  duplicate: (outcome: string) =>
    `duplicate delivery: the event was already processed (${outcome}); nothing sent`,
  switchedOff:
    'write-back is switched off (PUT /config {"writeback": true}); ' +
    'the event is recorded here and nothing was sent',
  deleted: (billId: string) =>
    `bill ${billId} was deleted by an earlier event: nothing was sent (${NOT_RECREATED})`,
  noOrg: "no organisation: the event names none and the caller's token carried no login org",
  noAuth: (orgId: string, why: string) => `no invoice-cloud authorization for org ${orgId}: ${why}`,
  withoutSerial: (n: number) =>
    `skipped ${n} invoice(s) without a cloud serial number: ${Array(n).fill('(none)').join(', ')}`,
  neverSaved: (billId: string) =>
    `bill ${billId} was never saved through write-back: nothing to unbind from`,
  emptySave:
    'a saved event with no invoice with a cloud serial number: ' +
    `nothing was sent (${EMPTY_SAVE})`,
  saveRefused: (r: Refusal) =>
    `the invoice cloud refused the save (${describeRefusal(r)}); nothing of this event was written`,
  statusRefused: (r: Refusal) =>
    'the bill was saved in the invoice cloud, but its status update was refused ' +
    `(${describeRefusal(r)}); ${RECORDED}`,
  deleteRefused: (r: Refusal) => `the invoice cloud refused the delete (${describeRefusal(r)})`,
  notPooled: (missing: string[]) =>
    `sent ${missing.length} invoice(s) not in the invoice pool yet (${NOT_POOLED}): ` +
    missing.join(', '),
};
