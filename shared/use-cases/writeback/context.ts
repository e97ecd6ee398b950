/** What the steps of one bill event share: the event, its bill, its ports and its log. */
import type { Deps } from '../../deps.js';
import type { BillEvent, BillOutcome } from '../../domain/schemas/bills.js';
import type { BillState } from '../../adapters/dynamo/bill-store.js';
import type { BillLog, StepRunner } from './steps.js';

export type WritebackDeps = Deps<'bills' | 'config' | 'invoices', never>;

export interface BillCtx {
  e: BillEvent;
  /** The event's org (checked by the API): with `e.billId`, the bill's identity. */
  orgId: string;
  /** The bill as the cloud bodies name it. */
  ident: { billNo: string; billId: string; userId: string; dataSource: string };
  /** The event's serial numbers that are set, each once. */
  given: string[];
  /** The bill as this product last wrote it to the cloud (none: never saved). */
  state: BillState | undefined;
  deps: WritebackDeps;
  call: StepRunner;
  log: BillLog;
  /** Log the event's end (with a message when there is one), mark it processed. */
  finish: (outcome: BillOutcome, message?: string) => Promise<BillOutcome>;
  /** Record the bill as the cloud now has it (after its save or delete). */
  record: (serialNos: string[], deleted: boolean, forcedWrites?: number) => Promise<void>;
}
