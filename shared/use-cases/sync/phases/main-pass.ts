/**
 * Phase 3, main pass: read the run's window (a date, or everything) page by page from the last
 * page to the first, storing and checkpointing each page. The catch-up pass (catch-up.ts) reads
 * its window the same way.
 *
 * Reading backwards: the cloud lists by `updateTime` ascending and a record the cloud changes
 * moves to the end, so such moves become harmless re-reads instead of skipped records.
 */
import { MAX_PAGE_SIZE } from '../../../adapters/cloud/contract.js';
import type { Run, RunProgress } from '../../../domain/schemas/sync.js';
import { cstDateTime } from '../../../domain/time/cst.js';
import { RunFailure } from '../credentials.js';
import { prepareRecords, storePrepared, type Prepared } from '../upsert.js';
import { commitPage, type Progress, type RunSession, type SyncSource } from './run-session.js';

/** Cloud pages one run may read in all (every phase and pass together). */
export const MAX_RUN_PAGES = 20_000;

/** Where a run without progress starts: the main pass over its date (or everything). */
export const firstProgress = (run: Run, pageSize = MAX_PAGE_SIZE): Progress =>
  run.progress ?? {
    phase: 'main',
    windowStart: run.dataDate ? `${run.dataDate} 00:00:00` : null,
    windowEnd: run.dataDate ? `${run.dataDate} 23:59:59` : null,
    pageSize,
    nextPage: null,
    total: null,
  };

/**
 * Read the rest of pass `start`, last page first. Returns the pass's progress once its window is
 * read, or `continue` after handing the run off (time is short; pages are left to read).
 */
export const readPass = async (
  s: RunSession,
  src: SyncSource,
  start: Progress,
): Promise<Progress | 'continue'> => {
  const { deps, opt } = s;
  let p = start;
  const fetchPage = (pageNo: number) =>
    deps.cloud.listInvoices(src.auth, s.run.type, {
      ...(p.windowStart ? { updateTimeStart: p.windowStart } : {}),
      ...(p.windowEnd ? { updateTimeEnd: p.windowEnd } : {}),
      pageNo,
      pageSize: p.pageSize,
    });
  const at = () => ({ ...src.upsert, at: deps.clock().toISOString() });
  // Pipeline: while page N's writes are in flight, page N-1 is fetched and validated (CPU hidden
  // behind I/O).
  const prepare = (pageNo: number) =>
    fetchPage(pageNo).then((page) => ({
      pageNo,
      fetched: page.list.length,
      prep: prepareRecords(page.list, at()),
    }));

  if (p.nextPage === null) {
    const passStartedAt = cstDateTime(deps.clock());
    const first = await fetchPage(1);
    checkTotal(first.total, p.pageSize, s.run.pages);
    p = {
      ...p,
      total: first.total,
      nextPage: Math.ceil(first.total / p.pageSize),
      passStartedAt,
      passInvocation: s.run.invocations ?? 0,
    };
  }
  let current: { pageNo: number; fetched: number; prep: Prepared } | null =
    p.nextPage! > 0 ? await prepare(p.nextPage!) : null;
  while (current) {
    const { pageNo } = current;
    if (current.fetched < expectedOn(pageNo, p)) {
      // Fewer records than the cloud's total promised: ask again (records may have gone).
      const again = await fetchPage(1);
      checkTotal(again.total, p.pageSize, s.run.pages);
      const last = Math.ceil(again.total / p.pageSize);
      if (last >= pageNo) throw new RunFailure(lyingTotal(again.total, pageNo, current.fetched));
      if (current.fetched === 0) {
        p = { ...p, total: again.total, nextPage: last };
        current = last > 0 ? await prepare(last) : null;
        continue;
      }
    }
    const ahead = pageNo > 1 && opt.remainingMs() > opt.reserveMs;
    const [res, next] = await Promise.all([
      storePrepared(current.prep, at(), deps),
      ahead ? prepare(pageNo - 1) : null,
    ]);
    p = { ...p, nextPage: pageNo - 1 };
    if (s.commit) await s.commit(res, current.fetched, p);
    else await commitPage(s, src, res, current.fetched, p);
    // No page read ahead means time is short: hand off (never leave the window with pages unread).
    if (p.nextPage! > 0 && (!next || opt.remainingMs() < opt.reserveMs)) {
      await handOff(s);
      return 'continue';
    }
    current = next;
  }
  return p;
};

/** Release the run for the next invocation (its cursor is already checkpointed). */
const handOff = async (s: RunSession): Promise<void> => {
  if (s.handOff) return await s.handOff();
  await releaseRun(s);
};

/** Free the run's lease (the org's stays with the run), touching only its `updatedAt`. */
export const releaseRun = async (s: RunSession): Promise<void> => {
  const { run } = s;
  await s.deps.stores.runs.update(
    s.runId,
    { createdAt: run.createdAt, orgId: run.orgId, updatedAt: s.deps.clock().toISOString() },
    { owner: s.opt.owner, release: true },
  );
};

/** Whether a `total` the cloud reports can be paged within the cap, after `pagesRead` pages. */
export const withinRunPages = (total: number, pageSize: number, pagesRead = 0): boolean =>
  Number.isSafeInteger(total) && total >= 0 && pagesRead + total / pageSize <= MAX_RUN_PAGES;

/**
 * Refuse a window the cloud says holds more than one run reads (security review M2: a cloud
 * reporting `total: 1e9` would otherwise be paged for ever): the run fails with what to do.
 */
export const checkTotal = (total: number, pageSize: number, pagesRead: number): void => {
  if (withinRunPages(total, pageSize, pagesRead)) return;
  throw new RunFailure(
    `the invoice cloud reports ${total} invoices for this window: more than one run reads ` +
      `(${MAX_RUN_PAGES} pages of ${pageSize}); sync shorter windows (POST /sync with dataDate)`,
  );
};

/**
 * Records page `pageNo` must hold by the pass's total: full below the last page, at least one on
 * the last page (page 1 of an empty window may be empty).
 */
export const expectedOn = (pageNo: number, p: RunProgress): number => {
  const last = Math.ceil((p.total ?? 0) / p.pageSize);
  if (pageNo < last) return p.pageSize;
  return pageNo > 1 ? 1 : 0;
};

const lyingTotal = (total: number, pageNo: number, fetched: number): string =>
  `the invoice cloud reports ${total} invoices, but page ${pageNo} came back ` +
  `${fetched ? `with only ${fetched} records` : 'empty'}; the run stops instead of paging on. ` +
  'Check the org in the invoice cloud, then sync again';
