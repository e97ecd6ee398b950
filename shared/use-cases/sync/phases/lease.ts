/**
 * Phase 1, lease: take the run (one worker at a time) and then its org (one run per org and kind
 * writes at a time), and mark it running for this invocation.
 */
import type { Run } from '../../../domain/schemas/sync.js';
import type { EngineDeps, StepOptions, StepResult } from './run-session.js';

export const FINISHED = new Set(['succeeded', 'needs_manual', 'failed']);
const AFTER_IT = 'this run continues after it';
/**
 * A worker's hold on a run: longer than the function timeout (15 min), so only a dead worker's
 * lease expires.
 */
export const LEASE_MS = 16 * 60_000;

/**
 * Lease run `runId` and its org. Returns the running run and when it was leased, or the step's
 * result when there is nothing to do now: `busy` (another worker holds the run), `done` (a
 * duplicate or late message for a finished run), `wait` (another run of the org and kind is
 * syncing; the caller re-queues this one with a delay).
 */
export const leaseRun = async (
  runId: string,
  deps: EngineDeps,
  opt: StepOptions,
): Promise<{ run: Run; leasedAt: string } | StepResult> => {
  const { runs } = deps.stores;
  const nowMs = deps.clock().getTime();
  const leased = await runs.lease(runId, opt.owner, nowMs, LEASE_MS);
  if (!leased) return 'busy';
  if (FINISHED.has(leased.status)) {
    // A duplicate or late message: nothing to do; free what this step took (and a crashed finish's
    // org lease).
    await runs.releaseOrg(leased.orgId, leased.type, runId);
    await runs.release(runId, opt.owner);
    return 'done';
  }
  const now = deps.clock().toISOString();
  const holder = await runs.leaseOrg(leased.orgId, leased.type, runId, nowMs, LEASE_MS);
  if (holder) {
    await runs.update(
      runId,
      {
        createdAt: leased.createdAt,
        orgId: leased.orgId,
        message: `waiting: run ${holder} of this org and type is syncing; ${AFTER_IT}`,
        updatedAt: now,
      },
      { owner: opt.owner, release: true },
    );
    return 'wait';
  }
  const run = await runs.update(
    runId,
    {
      createdAt: leased.createdAt,
      orgId: leased.orgId,
      status: 'running',
      startedAt: leased.startedAt ?? now,
      invocations: (leased.invocations ?? 0) + 1,
      updatedAt: now,
    },
    { owner: opt.owner },
  );
  return { run, leasedAt: now };
};
