/**
 * Phase 5, finish: a run ends succeeded (with a message that counts what it did, earlier failures
 * of the same sync cleared) or failed (a retry later, `needs_manual` once the retries are spent);
 * either way its leases are freed.
 */
import { CloudError } from '../../../adapters/cloud/client.js';
import { ignoreLostRace } from '../../../domain/errors.js';
import { logger } from '../../../logger.js';
import { MAX_AUTO_RETRIES, type Run } from '../../../domain/schemas/sync.js';
import { RunFailure } from '../credentials.js';
import { failureMessage, needsManualMessage } from '../messages.js';
import { splitNonSync } from '../upsert.js';
import type { EngineDeps, RunSession, StepResult } from './run-session.js';

type FolderStats = NonNullable<Run['folder']>;

const folderSummary = (f: FolderStats): string => {
  const sample = f.sample.length ? ` (e.g. ${f.sample.join(', ')})` : '';
  return (
    `; personal folders: ${f.linked} new links, ${f.bound} attachments bound, ` +
    `${f.unmatched} phones without a user, ${f.noPermission} without org permission${sample}`
  );
};

/** What a succeeded run reports: its counters, the records not stored, and `note`. */
export const successMessage = (run: Run, note: string): string => {
  const parts = [
    `synced ${run.successCount} invoices (fetched ${run.fetched}`,
    run.skipped ? `, ${run.skipped} skipped` : '',
    run.failed ? `, ${run.failed} not stored (malformed or too large)` : '',
    ')',
    run.folder ? folderSummary(run.folder) : '',
  ];
  return [parts.join(''), run.failed ? run.message : '', note].filter(Boolean).join('; ');
};

/** The note a full or dated sync ends with: `nonSyncFields` names that have no effect. */
export const ignoredFieldsNote = (nonSyncFields: string[]): string => {
  const { ignored } = splitNonSync(nonSyncFields);
  return ignored.length ? `nonSyncFields ignored (not syncable): ${ignored.join(', ')}` : '';
};

/**
 * Mark the run succeeded (with `counted`, the last counters, in the same update) and free the org.
 */
export const finishRun = async (
  run: Run,
  deps: EngineDeps,
  owner: string,
  note: string,
  counted: Partial<Run> = {},
): Promise<StepResult> => {
  const at = deps.clock().toISOString();
  await deps.stores.runs.update(
    run.runId,
    {
      ...counted,
      createdAt: run.createdAt,
      orgId: run.orgId,
      status: 'succeeded',
      message: successMessage(run, note),
      finishedAt: at,
      updatedAt: at,
    },
    { owner, release: true },
  );
  await deps.stores.runs.releaseOrg(run.orgId, run.type, run.runId);
  deps.metrics.count('SyncRuns', { Outcome: 'succeeded' });
  deps.metrics.count('InvoicesSynced', { Kind: run.type }, { ...run, ...counted }.successCount);
  await clearEarlierFailures(run, deps, at);
  return 'done';
};

/**
 * Mark the run failed (or `needs_manual` once its automatic retries are spent) with a message
 * saying what failed, and free both leases.
 */
export const failRun = async (s: RunSession, e: unknown): Promise<StepResult> => {
  const { run, deps } = s;
  const message = failureMessage(e);
  // Cloud faults and missing configuration are the operator's message; anything else is ours to
  // debug.
  if (!(e instanceof CloudError || e instanceof RunFailure))
    logger.error('sync run failed', { runId: s.runId, error: e as Error });
  const exhausted = run.attemptCount > MAX_AUTO_RETRIES;
  const at = deps.clock().toISOString();
  await deps.stores.runs.update(
    s.runId,
    {
      createdAt: run.createdAt,
      orgId: run.orgId,
      status: exhausted ? 'needs_manual' : 'failed',
      message: exhausted ? needsManualMessage(message) : message,
      finishedAt: at,
      updatedAt: at,
    },
    { owner: s.opt.owner, release: true },
  );
  await deps.stores.runs.releaseOrg(run.orgId, run.type, s.runId);
  deps.metrics.count('SyncRuns', { Outcome: exhausted ? 'needs_manual' : 'failed' });
  return 'done';
};

/**
 * A success clears earlier failed / needs_manual runs of the same org, type and date (or bills).
 */
const clearEarlierFailures = async (run: Run, deps: EngineDeps, at: string): Promise<void> => {
  const same = (r: Run) =>
    r.runId !== run.runId &&
    r.orgId === run.orgId &&
    r.type === run.type &&
    r.dataDate === run.dataDate &&
    (r.billNos ?? []).join(',') === (run.billNos ?? []).join(',');
  const cleared = (r: Run) =>
    `cleared: run ${run.runId} succeeded for the same org, type and date (was: ${r.message})`;
  for (const status of ['failed', 'needs_manual'] as const)
    for await (const r of deps.stores.runs.withStatus(status)) {
      if (!same(r)) continue;
      await deps.stores.runs
        .update(
          r.runId,
          {
            createdAt: r.createdAt,
            orgId: r.orgId,
            status: 'succeeded',
            message: cleared(r),
            updatedAt: at,
          },
          { expectStatus: [status] },
        )
        .catch(ignoreLostRace);
    }
};
