/**
 * What the phases of one sync step share: the leased run (replaced by each checkpoint), its ports
 * and the step's time budget; and the one way a phase counts a stored page on the run.
 */
import type { CloudAuth } from '../../../adapters/cloud/client.js';
import type { Deps } from '../../../deps.js';
import { addFolderStats } from '../../folders/link-collectors.js';
import type { GlobalConfig } from '../../../domain/schemas/config.js';
import type { Run, RunProgress } from '../../../domain/schemas/sync.js';
import type { SlicingOptions } from '../slice-plan.js';
import type { UpsertContext, UpsertResult, UpsertStores } from '../upsert.js';

export type EngineDeps = Deps<'runs' | 'config' | UpsertStores, 'callbacks' | 'sync'>;

export interface StepOptions {
  owner: string;
  /** Milliseconds left in this invocation. */
  remainingMs: () => number;
  /** Hand off when less than this is left. */
  reserveMs: number;
  pageSize?: number;
  /** When a full sync is split into time slices (default `DEFAULT_SLICING`). */
  slicing?: SlicingOptions;
}
/**
 * `sliced`: the run goes on in its time slices (their messages are sent); nothing to send for the
 * run itself.
 */
export type StepResult = 'done' | 'continue' | 'busy' | 'wait' | 'sliced';

/** Progress plus when the current pass began and in which invocation (see engine.ts). */
export type Progress = RunProgress & { passStartedAt?: string; passInvocation?: number };

/** One step's hold on a run. `run` is the run as its last update left it. */
export interface RunSession {
  runId: string;
  run: Run;
  deps: EngineDeps;
  opt: StepOptions;
  /** When this step leased the run (ISO). */
  leasedAt: string;
  /** A time slice's own checkpoint and hand-off (slices.ts); the run's by default. */
  commit?: (res: UpsertResult, fetched: number, p: Progress) => Promise<void>;
  handOff?: () => Promise<void>;
}

/** The org's cloud authorization and the config the step syncs with. */
export interface SyncSource {
  auth: CloudAuth;
  cfg: GlobalConfig;
  upsert: Omit<UpsertContext, 'at'>;
}

/** A run (or slice) message naming records not stored: this head, then up to 20 serials. */
const NOT_STORED = 'records not stored: ';

/** The serials a not-stored message names; none for any other message. */
export const notStoredSerials = (message: string): string[] =>
  message.startsWith(NOT_STORED) ? message.slice(NOT_STORED.length).split('; ') : [];

/** The not-stored message naming (the first 20 of) `serials`. */
export const notStoredOf = (serials: string[]): string =>
  NOT_STORED + serials.slice(0, 20).join('; ');

/**
 * The run message after a page with records not stored: their serials, added to those of earlier
 * pages.
 */
export const notStoredMessage = (previous: string, res: UpsertResult): string =>
  notStoredOf([...notStoredSerials(previous), ...res.problemSample]);

/** What one stored page of `fetched` records adds to a run's counters. */
export const pageCounts = (res: UpsertResult, fetched: number) => ({
  fetched,
  successCount: res.stored,
  skipped: res.skipped,
  failed: res.malformed + res.failed,
  pages: 1,
});

/** The run's counters with one more stored page of `fetched` records added. */
export const addPage = (
  run: Run,
  res: UpsertResult,
  fetched: number,
  folders: boolean,
): Partial<Run> => {
  const add = pageCounts(res, fetched);
  return {
    fetched: run.fetched + add.fetched,
    successCount: run.successCount + add.successCount,
    skipped: run.skipped + add.skipped,
    failed: run.failed + add.failed,
    pages: run.pages + add.pages,
    ...(folders ? { folder: addFolderStats(run.folder, res.folder) } : {}),
  };
};

/** The run message after a stored page: unchanged, or with the page's records not stored. */
export const messageAfterPage = (previous: string, res: UpsertResult): string =>
  res.problemSample.length ? notStoredMessage(previous, res) : previous;

/** Checkpoint a stored page: its counters and the cursor move together, under the lease. */
export const commitPage = async (
  s: RunSession,
  src: SyncSource,
  res: UpsertResult,
  fetched: number,
  progress: RunProgress | null,
): Promise<void> => {
  const { run } = s;
  s.run = await s.deps.stores.runs.update(
    s.runId,
    {
      createdAt: run.createdAt,
      orgId: run.orgId,
      progress,
      ...addPage(run, res, fetched, src.cfg.personalFolderSync),
      message: messageAfterPage(run.message, res),
      updatedAt: s.deps.clock().toISOString(),
    },
    { owner: s.opt.owner },
  );
};
