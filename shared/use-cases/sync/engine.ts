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
 *    A full sync of a large org instead runs as time slices (`phases/slices.ts`, `slice-step.ts`):
 *    each slice a main pass over its own `updateTime` window, all slices in parallel; the run goes
 *    on to catch-up once every slice is done.
 * 4. catch-up — one more pass over what changed since the run started, repeated while a pass is
 *    interrupted, until one completes in one invocation.
 * 5. finish — succeeded with its counts, or failed / `needs_manual`; leases freed.
 */
import { nextPass } from './phases/catch-up.js';
import { failRun, finishRun, ignoredFieldsNote } from './phases/finish.js';
import { leaseRun } from './phases/lease.js';
import { syncByBills } from './phases/by-bills.js';
import { firstProgress, readPass, releaseRun } from './phases/main-pass.js';
import { inSlices, planSlices, sliceable, sliceGate, tellRunIfAllEnded } from './phases/slices.js';
import { openSource } from './phases/source.js';
import type { EngineDeps, RunSession, StepOptions, StepResult } from './phases/run-session.js';
import { cstDateTime } from '../../domain/time/cst.js';

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
  let kick: number[];
  try {
    const src = await openSource(s.run, deps);
    if (s.run.billNos?.length) return await syncByBills(s, src);
    const sliced = sliceable(s.run)
      ? await planSlices(s, src)
      : inSlices(s.run)
        ? await sliceGate(s)
        : null;
    if (sliced && 'kick' in sliced) kick = sliced.kick;
    else {
      let p = firstProgress(s.run, opt.pageSize);
      const since = cstDateTime(new Date(s.run.startedAt ?? s.leasedAt));
      const facts = { since, invocation: s.run.invocations ?? 0, clock: deps.clock };
      // Every slice done: the run's main pass is read; what changed meanwhile is the catch-up's.
      if (sliced) p = nextPass({ ...p, phase: 'main', windowEnd: null, nextPage: 0 }, facts);
      while (p.phase !== 'done') {
        const read = await readPass(s, src, p);
        if (read === 'continue') return 'continue';
        p = nextPass(read, facts);
      }
      return await finishRun(s.run, deps, opt.owner, ignoredFieldsNote(src.cfg.nonSyncFields));
    }
  } catch (e) {
    return await failRun(s, e);
  }
  return await kickSlices(s, kick);
};

/**
 * Hand the run to its slices: free the run's lease (the org's stays with the run), then send each
 * idle slice's message. A failed send fails this message, whose redelivery sends again. A slice
 * that ended while this step held the run found it busy: look again once the run is free.
 */
const kickSlices = async (s: RunSession, slices: number[]): Promise<StepResult> => {
  const { deps } = s;
  await releaseRun(s);
  for (const slice of slices) await deps.queues.sync.send({ runId: s.runId, slice });
  await tellRunIfAllEnded(s.runId, deps);
  return 'sliced';
};
