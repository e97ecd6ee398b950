/**
 * How a sync run proceeds and continues across invocations: one step is the list of phases below,
 * each in its own file under `phases/`.
 *
 * 1. lease — the run (one worker at a time), then its org (one run per org and kind writes at a
 *    time: a run finding another one active waits, so an older fetch never overwrites what a
 *    newer run wrote).
 * 2. by bills — a run naming bills syncs them in one go and finishes.
 * 3. main pass — the run's window, read from the last page to the first, each page stored and
 *    checkpointed (cursor and counters) under the lease; a worker near its time limit returns
 *    `continue` and the caller hands off. Re-running a page is harmless: writes are idempotent
 *    upserts and counters move only with the cursor.
 * 4. catch-up — one more pass over what changed since the run started, repeated while a pass is
 *    interrupted, until one completes in one invocation.
 * 5. finish — succeeded with its counts, or failed / `needs_manual`; leases freed.
 */
import { cloudAuthFor } from './credentials.js';
import { nextPass } from './phases/catch-up.js';
import { failRun, finishRun, ignoredFieldsNote } from './phases/finish.js';
import { leaseRun } from './phases/lease.js';
import { syncByBills } from './phases/by-bills.js';
import { firstProgress, readPass } from './phases/main-pass.js';
import type {
  EngineDeps,
  RunSession,
  StepOptions,
  StepResult,
  SyncSource,
} from './phases/run-session.js';
import { cstDateTime } from '../time/cst.js';

export { MAX_RUN_PAGES } from './phases/main-pass.js';
export type { StepOptions, StepResult } from './phases/run-session.js';

/**
 * One step of run `runId`: as far as this invocation's time allows. `done` when the run ended (or
 * had ended), `continue` to hand off, `busy` / `wait` when the run or its org is held elsewhere.
 */
export const runSyncStep = async (
  runId: string,
  deps: EngineDeps,
  opt: StepOptions,
): Promise<StepResult> => {
  const leased = await leaseRun(runId, deps, opt);
  if (typeof leased === 'string') return leased;
  const s: RunSession = { runId, deps, opt, ...leased };
  try {
    const src = await openSource(s);
    if (s.run.billNos?.length) return await syncByBills(s, src);
    let p = firstProgress(s.run, opt.pageSize);
    const since = cstDateTime(new Date(s.run.startedAt ?? s.leasedAt));
    while (p.phase !== 'done') {
      const read = await readPass(s, src, p);
      if (read === 'continue') return 'continue';
      p = nextPass(read, { since, invocation: s.run.invocations ?? 0, clock: deps.clock });
    }
    return await finishRun(s.run, deps, opt.owner, ignoredFieldsNote(src.cfg.nonSyncFields));
  } catch (e) {
    return await failRun(s, e);
  }
};

/** The org's cloud authorization and the config this step syncs with. */
const openSource = async (s: RunSession): Promise<SyncSource> => {
  const { auth } = await cloudAuthFor(s.run.orgId, s.deps);
  const cfg = await s.deps.stores.config.getConfig();
  return { auth, cfg, upsert: { orgId: s.run.orgId, kind: s.run.type, config: cfg } };
};
