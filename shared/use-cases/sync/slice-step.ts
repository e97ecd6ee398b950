/**
 * One step of a time slice of a sliced full sync (phases/slices.ts): the slice's window read last
 * page first, as the main pass reads a run's, but checkpointed on the slice's own item under its
 * own lease, each page's counts added to the run in the same transaction. The slice that ends
 * last (or a redelivered message of an ended slice) sends the run's message, whose step fails the
 * run or reads its catch-up and finishes it, once.
 */
import { CloudError } from '../../adapters/cloud/client.js';
import { ConditionFailed, isConditionFailure } from '../../domain/errors.js';
import { MAX_PAGE_SIZE } from '../../adapters/cloud/contract.js';
import { logger } from '../../logger.js';
import type { Run } from '../../domain/schemas/sync.js';
import type { RunSlice } from '../../adapters/dynamo/run-slices.js';
import { RunFailure } from './credentials.js';
import { failureMessage } from './messages.js';
import { FINISHED, LEASE_MS } from './phases/lease.js';
import { readPass } from './phases/main-pass.js';
import {
  addPage,
  messageAfterPage,
  pageCounts,
  type EngineDeps,
  type Progress,
  type RunSession,
  type StepOptions,
  type StepResult,
} from './phases/run-session.js';
import { tellRunIfAllEnded } from './phases/slices.js';
import { openSource } from './phases/source.js';

/**
 * Run as much of slice `slice` of run `runId` as this invocation allows: `continue` to hand off
 * (the caller re-sends the slice's message), `wait` when another run holds the org, `busy` when
 * another worker holds the slice, `done` when the slice has ended (or had).
 */
export const runSliceStep = async (
  runId: string,
  slice: number,
  deps: EngineDeps,
  opt: StepOptions,
): Promise<StepResult> => {
  const { runs } = deps.stores;
  const nowMs = deps.clock().getTime();
  const sl = await runs.leaseSlice(runId, slice, opt.owner, nowMs, LEASE_MS);
  if (!sl) return 'busy';
  const run = await runs.get(runId);
  if (!run || FINISHED.has(run.status) || sl.state !== 'pending') {
    // A duplicate or late message: the run may not have heard of this slice's end yet.
    await runs.releaseSlice(runId, slice, opt.owner);
    if (run && !FINISHED.has(run.status)) await tellRunIfAllEnded(runId, deps);
    return 'done';
  }
  // The run's org lease is renewed by its slices while they read.
  if (await runs.leaseOrg(run.orgId, run.type, runId, nowMs, LEASE_MS)) {
    await runs.releaseSlice(runId, slice, opt.owner);
    return 'wait';
  }
  try {
    const src = await openSource(run, deps);
    const s = sliceSession(run, sl, deps, opt, src.cfg.personalFolderSync);
    const p: Progress = sl.progress ?? {
      phase: 'main',
      windowStart: sl.windowStart,
      windowEnd: sl.windowEnd,
      pageSize: opt.pageSize ?? MAX_PAGE_SIZE,
      nextPage: null,
      total: null,
    };
    if (p.nextPage !== 0 && (await readPass(s, src, p)) === 'continue') return 'continue';
    const end = { state: 'done' as const, message: s.run.message };
    await runs.endSlice(runId, slice, opt.owner, end, at(deps));
  } catch (e) {
    // A lost lease: another worker has the slice now; this message fails and is redelivered.
    if (e instanceof ConditionFailed || isConditionFailure(e) || !(e instanceof Error)) throw e;
    if (!(e instanceof CloudError || e instanceof RunFailure))
      logger.error('sync slice failed', { runId, slice, error: e });
    const end = { state: 'failed' as const, message: failureMessage(e) };
    const failedAttempt = run.attemptCount;
    await runs.endSlice(runId, slice, opt.owner, { ...end, failedAttempt }, at(deps));
  }
  await tellRunIfAllEnded(runId, deps);
  return 'done';
};

const at = (deps: EngineDeps) => deps.clock().toISOString();

/**
 * The slice's session: the run seen through the slice (its counters, cursor and invocations), with
 * the slice's checkpoint and hand-off.
 */
const sliceSession = (
  run: Run,
  sl: RunSlice,
  deps: EngineDeps,
  opt: StepOptions,
  folders: boolean,
): RunSession => {
  const { runs } = deps.stores;
  const { fetched, successCount, skipped, failed, pages, message, folder, progress } = sl;
  const s: RunSession = {
    runId: run.runId,
    deps,
    opt,
    leasedAt: at(deps),
    run: {
      ...run,
      ...{ fetched, successCount, skipped, failed, pages, message, folder, progress },
      invocations: sl.invocations,
    },
  };
  s.commit = async (res, n, p) => {
    const counted = addPage(s.run, res, n, folders);
    const note = messageAfterPage(s.run.message, res);
    const patch = { ...counted, progress: p, message: note } as Partial<RunSlice>;
    await runs.commitSlice(run.runId, sl.slice, opt.owner, patch, pageCounts(res, n), at(deps));
    s.run = { ...s.run, ...counted, progress: p, message: note };
  };
  s.handOff = () => runs.releaseSlice(run.runId, sl.slice, opt.owner);
  return s;
};
