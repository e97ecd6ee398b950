/**
 * Phase 3a, time slices (a large org's full sync): instead of one main pass, the run's window is
 * cut into `updateTime` slices (slice-plan.ts), each read by its own continuation messages
 * (slice-step.ts) in parallel, all counting into the one run. The run's own steps only plan the
 * slices, (re)send the messages of idle ones, and, once every slice has ended, either fail naming
 * the failed slices or go on to the usual catch-up pass and finish: under the run's lease, so the
 * run finishes once however many slice messages report their end.
 */
import { MAX_PAGE_SIZE } from '../../../adapters/cloud/contract.js';
import { addFolderStats } from '../../folders/link-collectors.js';
import type { Run } from '../../../domain/schemas/sync.js';
import type { RunSlice } from '../../../adapters/dynamo/run-slices.js';
import { RunFailure } from '../credentials.js';
import { DEFAULT_SLICING, planWindows, sliceTarget, type SliceWindow } from '../slice-plan.js';
import { withinRunPages } from './main-pass.js';
import {
  notStoredOf,
  notStoredSerials,
  type EngineDeps,
  type RunSession,
  type SyncSource,
} from './run-session.js';

const CLOUD_TIME = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/;

/** What the run's step does next: send these slices' messages, or read the catch-up pass. */
export type SliceOutcome = { kick: number[] } | { catchUp: true };

/** Whether run `r` is one a step may slice: a full sync not yet begun (no cursor, no slices). */
export const sliceable = (r: Run): boolean =>
  !r.dataDate && !r.billNos?.length && !r.progress && !r.slices;

/** Whether run `r` has slices still to wait for (its catch-up has not begun). */
export const inSlices = (r: Run): boolean => !!r.slices && !r.progress;

const updateTimeOf = (list: unknown[]): string | null => {
  const t = (list[0] as { updateTime?: unknown } | undefined)?.updateTime;
  return typeof t === 'string' && CLOUD_TIME.test(t) ? t : null;
};

/**
 * Plan a full sync's slices when the org holds more than one slice's worth: the oldest and newest
 * `updateTime` and window totals from `pageSize: 1` calls. Null: the single-stream path (small
 * org, or a cloud answer that gives no times to cut by).
 */
export const planSlices = async (s: RunSession, src: SyncSource): Promise<SliceOutcome | null> => {
  const { deps, run } = s;
  const slicing = s.opt.slicing ?? DEFAULT_SLICING;
  const list = (q: { start?: string; end?: string; pageNo: number }) =>
    deps.cloud.listInvoices(src.auth, run.type, {
      ...(q.start ? { updateTimeStart: q.start } : {}),
      ...(q.end ? { updateTimeEnd: q.end } : {}),
      pageNo: q.pageNo,
      pageSize: 1,
    });
  const head = await list({ pageNo: 1 });
  const pageSize = s.opt.pageSize ?? MAX_PAGE_SIZE;
  const target = sliceTarget(head.total, slicing);
  // An implausible total is the single path's to refuse (its message says what to do).
  if (target < 2 || !withinRunPages(head.total, pageSize)) return null;
  const first = updateTimeOf(head.list);
  const last = updateTimeOf((await list({ pageNo: head.total })).list);
  if (!first || !last || last < first) return null;
  const count = async (start: string, end: string) => (await list({ start, end, pageNo: 1 })).total;
  const windows = await planWindows(count, { first, last, total: head.total }, target);
  if (windows.length < 2) return null;
  const slices = windows.map((w, i) => newSlice(i, w));
  const message = `syncing ${head.total} invoices in ${slices.length} time slices`;
  const at = deps.clock().toISOString();
  await deps.stores.runs.planSlices(s.runId, s.opt.owner, slices, { at, message });
  return { kick: slices.map((x) => x.slice) };
};

const newSlice = (slice: number, w: SliceWindow): RunSlice => ({
  slice,
  ...w,
  state: 'pending',
  progress: null,
  invocations: 0,
  message: '',
  fetched: 0,
  successCount: 0,
  skipped: 0,
  failed: 0,
  pages: 0,
});

/**
 * A sliced run's step before its catch-up: reopen slices that failed in an earlier attempt (a
 * retry), send the messages of slices nobody holds, fail the run naming the slices that failed in
 * this attempt, or, once every slice is done, fold their folder figures and problem records into
 * the run and go on to the catch-up pass.
 */
export const sliceGate = async (s: RunSession): Promise<SliceOutcome> => {
  const { deps, run } = s;
  const { runs } = deps.stores;
  const slices = await runs.listSlices(s.runId);
  if (slices.length !== run.slices)
    throw new Error(`run ${s.runId}: ${slices.length} slice items for ${run.slices} slices`);
  for (const x of slices)
    if (x.state === 'failed' && (x.failedAttempt ?? 0) < run.attemptCount)
      if (await runs.reopenSlice(s.runId, x.slice)) Object.assign(x, { state: 'pending' });
  const nowMs = deps.clock().getTime();
  const pending = slices.filter((x) => x.state === 'pending');
  if (pending.length)
    return {
      kick: pending.filter((x) => !x.leaseUntil || x.leaseUntil < nowMs).map((x) => x.slice),
    };
  const failed = slices.filter((x) => x.state === 'failed');
  if (failed.length) throw new RunFailure(failedSlicesMessage(failed, slices.length));
  const folder = slices.reduce<Run['folder']>(
    (a, x) => (x.folder ? addFolderStats(a, x.folder) : a),
    undefined,
  );
  const problems = slices.flatMap((x) => notStoredSerials(x.message));
  s.run = await runs.update(
    s.runId,
    {
      createdAt: run.createdAt,
      orgId: run.orgId,
      ...(folder ? { folder } : {}),
      ...(problems.length ? { message: notStoredOf(problems) } : {}),
      updatedAt: deps.clock().toISOString(),
    },
    { owner: s.opt.owner },
  );
  return { catchUp: true };
};

/**
 * Once no slice is pending, the run's step takes over: send the run's message. Called by every
 * slice that ends (and by a run step after it freed the run), so the last end is never missed.
 */
export const tellRunIfAllEnded = async (
  runId: string,
  deps: Pick<EngineDeps, 'stores' | 'queues'>,
): Promise<void> => {
  const slices = await deps.stores.runs.listSlices(runId);
  if (slices.length && slices.every((x) => x.state !== 'pending'))
    await deps.queues.sync.send({ runId });
};

/** The run's failure: which slices failed (their windows) and the first one's cause. */
export const failedSlicesMessage = (failed: RunSlice[], total: number): string => {
  const window = (x: RunSlice) => `${x.windowStart ?? 'start'} – ${x.windowEnd ?? 'now'}`;
  const named = failed.map((x) => `${x.slice + 1} (${window(x)})`).join(', ');
  const cause = failed[0]!.message.replace(/; the retry job will try again$/, '');
  return (
    `time slices ${named} of ${total} failed: ${cause}; ` +
    'the other slices are stored; a retry reads only the failed slices on from their checkpoints'
  );
};
