/**
 * Phase 2, by bills: a run naming bills syncs the invoices of those bills in one call and one
 * store, then finishes; bills the cloud does not know are named in the run message.
 */
import type { Run } from '../../../domain/schemas/sync.js';
import { upsertRecords } from '../upsert.js';
import { finishRun } from './finish.js';
import {
  addPage,
  notStoredMessage,
  type RunSession,
  type StepResult,
  type SyncSource,
} from './run-session.js';

/**
 * Sync the run's bills. Counted once: the counters travel with the final update, and a run
 * already counted (its finish crashed) only finishes.
 */
export const syncByBills = async (s: RunSession, src: SyncSource): Promise<StepResult> => {
  const { run, deps } = s;
  const owner = s.opt.owner;
  if (run.progress?.phase === 'done') return await finishRun(run, deps, owner, '');
  const { list, notFound } = await deps.cloud.invoicesByBills(src.auth, run.billNos ?? []);
  const res = await upsertRecords(list, { ...src.upsert, at: deps.clock().toISOString() }, deps);
  const counted: Partial<Run> = {
    progress: {
      phase: 'done',
      windowStart: null,
      windowEnd: null,
      pageSize: 0,
      nextPage: 0,
      total: list.length,
    },
    ...addPage(run, res, list.length, src.cfg.personalFolderSync),
    ...(res.problemSample.length ? { message: notStoredMessage(run.message, res) } : {}),
  };
  const missing = notFound.length
    ? `bills not found in the invoice cloud: ${notFound.join(', ')}`
    : '';
  return await finishRun({ ...run, ...counted }, deps, owner, missing, counted);
};
