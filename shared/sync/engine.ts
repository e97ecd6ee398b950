/**
 * How a sync run proceeds and continues across invocations.
 *
 * Pages are read from the last to the first. The cloud lists by `updateTime` ascending and a record the
 * cloud changes moves to the end, so reading backwards turns such moves into harmless re-reads instead of
 * skipped records. Records changed or added after the run started are then picked up by one catch-up pass
 * over `[run start, window end]`. After each committed page the run checkpoints its cursor (next page,
 * counters) under its lease; a worker near its time limit returns `continue` and the caller hands off.
 * Re-running a page is harmless: writes are idempotent upserts and counters move only with the cursor.
 *
 * A catch-up pass is only gap-free when read in one go: one interrupted (hand-off, failure, resume)
 * is followed by another pass over what changed since it began, until a pass completes in one
 * invocation. One run per org and kind writes at a time (an org lease held by the run id across its
 * invocations): a run finding another one active waits (`wait`: the caller re-queues it with a
 * delay), so an older fetch never overwrites what a newer run wrote.
 */
import { MAX_PAGE_SIZE } from '../cloud/contract.js';
import type { Deps } from '../deps.js';
import type { UpsertStores } from './upsert.js';

type EngineDeps = Deps<'runs' | 'config' | UpsertStores, 'callbacks'>;
import { ignoreLostRace } from '../errors.js';
import { logger } from '../logger.js';
import { MAX_AUTO_RETRIES, type Run, type RunProgress } from '../schemas/sync.js';
import { addDays, cstDateTime } from '../time/cst.js';
import { CloudError } from '../cloud/client.js';
import { cloudAuthFor, RunFailure } from './credentials.js';
import { failureMessage, needsManualMessage } from './messages.js';
import {
  prepareRecords,
  splitNonSync,
  storePrepared,
  upsertRecords,
  type Prepared,
  type UpsertResult,
} from './upsert.js';
import { addFolderStats } from '../folders/link-collectors.js';

export interface StepOptions {
  owner: string;
  /** Milliseconds left in this invocation. */
  remainingMs: () => number;
  /** Hand off when less than this is left. */
  reserveMs: number;
  pageSize?: number;
}
export type StepResult = 'done' | 'continue' | 'busy' | 'wait';

/** Progress plus when the current pass began and in which invocation (see the module comment). */
type Progress = RunProgress & { passStartedAt?: string; passInvocation?: number };

const FINISHED = new Set(['succeeded', 'needs_manual', 'failed']);
const AFTER_IT = 'this run continues after it';
/** A worker's hold on a run: longer than the function timeout (15 min), so only a dead worker's lease expires. */
const LEASE_MS = 16 * 60_000;

export const runSyncStep = async (
  runId: string,
  deps: EngineDeps,
  opt: StepOptions,
): Promise<StepResult> => {
  const { runs, config } = deps.stores;
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
  let run = await runs.update(
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
  try {
    const { auth } = await cloudAuthFor(run.orgId, deps);
    const cfg = await config.getConfig();
    const ctx = { orgId: run.orgId, kind: run.type, config: cfg };
    const commit = async (res: UpsertResult, fetched: number, progress: RunProgress | null) => {
      run = await runs.update(
        runId,
        {
          createdAt: run.createdAt,
          orgId: run.orgId,
          progress,
          fetched: run.fetched + fetched,
          successCount: run.successCount + res.stored,
          skipped: run.skipped + res.skipped,
          failed: run.failed + res.malformed + res.failed,
          pages: run.pages + 1,
          ...(cfg.personalFolderSync ? { folder: addFolderStats(run.folder, res.folder) } : {}),
          message: res.problemSample.length ? notStoredMessage(run.message, res) : run.message,
          updatedAt: deps.clock().toISOString(),
        },
        { owner: opt.owner },
      );
    };

    if (run.billNos?.length) {
      // Counted once: the counters travel with the final update, and a run already counted only
      // finishes.
      if (run.progress?.phase === 'done') return await finish(run, deps, opt.owner, '');
      const { list, notFound } = await deps.cloud.invoicesByBills(auth, run.billNos);
      const res = await upsertRecords(list, { ...ctx, at: deps.clock().toISOString() }, deps);
      const counted: Partial<Run> = {
        progress: {
          phase: 'done',
          windowStart: null,
          windowEnd: null,
          pageSize: 0,
          nextPage: 0,
          total: list.length,
        },
        fetched: run.fetched + list.length,
        successCount: run.successCount + res.stored,
        skipped: run.skipped + res.skipped,
        failed: run.failed + res.malformed + res.failed,
        pages: run.pages + 1,
        ...(cfg.personalFolderSync ? { folder: addFolderStats(run.folder, res.folder) } : {}),
        ...(res.problemSample.length ? { message: notStoredMessage(run.message, res) } : {}),
      };
      const missing = notFound.length
        ? `bills not found in the invoice cloud: ${notFound.join(', ')}`
        : '';
      return await finish({ ...run, ...counted }, deps, opt.owner, missing, counted);
    }

    const pageSize = opt.pageSize ?? MAX_PAGE_SIZE;
    let p: Progress = run.progress ?? {
      phase: 'main',
      windowStart: run.dataDate ? `${run.dataDate} 00:00:00` : null,
      windowEnd: run.dataDate ? `${run.dataDate} 23:59:59` : null,
      pageSize,
      nextPage: null,
      total: null,
    };
    const since = cstDateTime(new Date(run.startedAt ?? now));
    const fetchPage = (pageNo: number) =>
      deps.cloud.listInvoices(auth, run.type, {
        ...(p.windowStart ? { updateTimeStart: p.windowStart } : {}),
        ...(p.windowEnd ? { updateTimeEnd: p.windowEnd } : {}),
        pageNo,
        pageSize: p.pageSize,
      });
    // Pipeline: while page N's writes are in flight, page N-1 is fetched and validated (CPU hidden behind I/O).
    const prepare = (pageNo: number) =>
      fetchPage(pageNo).then((page) => ({
        pageNo,
        fetched: page.list.length,
        prep: prepareRecords(page.list, { ...ctx, at: deps.clock().toISOString() }),
      }));

    while (p.phase !== 'done') {
      if (p.nextPage === null) {
        const passStartedAt = cstDateTime(deps.clock());
        const first = await fetchPage(1);
        p = {
          ...p,
          total: first.total,
          nextPage: Math.ceil(first.total / p.pageSize),
          passStartedAt,
          passInvocation: run.invocations ?? 0,
        };
      }
      let current: { pageNo: number; fetched: number; prep: Prepared } | null =
        p.nextPage! > 0 ? await prepare(p.nextPage!) : null;
      while (current) {
        const { pageNo } = current;
        const ahead = pageNo > 1 && opt.remainingMs() > opt.reserveMs;
        const [res, next] = await Promise.all([
          storePrepared(current.prep, { ...ctx, at: deps.clock().toISOString() }, deps),
          ahead ? prepare(pageNo - 1) : null,
        ]);
        p = { ...p, nextPage: pageNo - 1 };
        await commit(res, current.fetched, p);
        // No page read ahead means time is short: hand off (never leave the window with pages unread).
        if (p.nextPage! > 0 && (!next || opt.remainingMs() < opt.reserveMs)) {
          await runs.update(
            runId,
            { createdAt: run.createdAt, orgId: run.orgId, updatedAt: deps.clock().toISOString() },
            { owner: opt.owner, release: true },
          );
          return 'continue';
        }
        current = next;
      }
      // Window read. A window reaching past the run's start gets one catch-up pass for what changed meanwhile.
      const reachesNow = !p.windowEnd || p.windowEnd >= since;
      const interrupted = p.passInvocation !== (run.invocations ?? 0);
      if (p.phase === 'catchup' && interrupted && p.passStartedAt) {
        // Resumed mid-pass: what changed in the gap may have moved to pages already read. Read it
        // again.
        p = { ...p, windowStart: p.passStartedAt, nextPage: null, total: null };
      } else if (p.phase === 'main' && reachesNow) {
        const end =
          p.windowEnd ??
          cstDateTime(new Date(Date.parse(addDays(deps.clock().toISOString().slice(0, 10), 2))));
        p = {
          phase: 'catchup',
          windowStart: since,
          windowEnd: end,
          pageSize: p.pageSize,
          nextPage: null,
          total: null,
        };
      } else p = { ...p, phase: 'done' };
    }
    const ignored = splitNonSync(cfg.nonSyncFields).ignored;
    return await finish(
      run,
      deps,
      opt.owner,
      ignored.length ? `nonSyncFields ignored (not syncable): ${ignored.join(', ')}` : '',
    );
  } catch (e) {
    const message = failureMessage(e);
    // Cloud faults and missing configuration are the operator's message; anything else is ours to debug.
    if (!(e instanceof CloudError || e instanceof RunFailure))
      logger.error('sync run failed', { runId, error: e as Error });
    const exhausted = run.attemptCount > MAX_AUTO_RETRIES;
    await runs.update(
      runId,
      {
        createdAt: run.createdAt,
        orgId: run.orgId,
        status: exhausted ? 'needs_manual' : 'failed',
        message: exhausted ? needsManualMessage(message) : message,
        finishedAt: deps.clock().toISOString(),
        updatedAt: deps.clock().toISOString(),
      },
      { owner: opt.owner, release: true },
    );
    await runs.releaseOrg(run.orgId, run.type, runId);
    return 'done';
  }
};

/**
 * The run message after a page with records not stored: their serials, added to those of earlier
 * pages.
 */
const notStoredMessage = (previous: string, res: UpsertResult): string => {
  const head = 'records not stored: ';
  const earlier = previous.startsWith(head) ? previous.slice(head.length).split('; ') : [];
  return head + [...earlier, ...res.problemSample].slice(0, 20).join('; ');
};

/**
 * Mark the run succeeded (with `counted`, the last counters, in the same update) and free the org.
 */
const finish = async (
  run: Run,
  deps: EngineDeps,
  owner: string,
  note: string,
  counted: Partial<Run> = {},
): Promise<StepResult> => {
  const at = deps.clock().toISOString();
  const f = run.folder;
  const parts = [
    `synced ${run.successCount} invoices (fetched ${run.fetched}`,
    run.skipped ? `, ${run.skipped} skipped` : '',
    run.failed ? `, ${run.failed} not stored (malformed or too large)` : '',
    ')',
    f
      ? `; personal folders: ${f.linked} new links, ${f.bound} attachments bound, ${f.unmatched} phones without a user, ${f.noPermission} without org permission${f.sample.length ? ` (e.g. ${f.sample.join(', ')})` : ''}`
      : '',
  ];
  const message = [parts.join(''), run.failed ? run.message : '', note].filter(Boolean).join('; ');
  await deps.stores.runs.update(
    run.runId,
    {
      ...counted,
      createdAt: run.createdAt,
      orgId: run.orgId,
      status: 'succeeded',
      message,
      finishedAt: at,
      updatedAt: at,
    },
    { owner, release: true },
  );
  await deps.stores.runs.releaseOrg(run.orgId, run.type, run.runId);
  await clearEarlierFailures(run, deps, at);
  return 'done';
};

/** A success clears earlier failed / needs_manual runs of the same org, type and date (or bills). */
const clearEarlierFailures = async (run: Run, deps: EngineDeps, at: string): Promise<void> => {
  const same = (r: Run) =>
    r.runId !== run.runId &&
    r.orgId === run.orgId &&
    r.type === run.type &&
    r.dataDate === run.dataDate &&
    (r.billNos ?? []).join(',') === (run.billNos ?? []).join(',');
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
            message: `cleared: run ${run.runId} succeeded for the same org, type and date (was: ${r.message})`,
            updatedAt: at,
          },
          { expectStatus: [status] },
        )
        .catch(ignoreLostRace);
    }
};
