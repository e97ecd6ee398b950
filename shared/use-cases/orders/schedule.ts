/**
 * The order-fetch schedule (SPEC §4.6, `SCHEDULED`): every system with an `orderFetchUrl`, a few
 * at a time, each within its own budget. One failing, slow or busy system never blocks the others:
 * its failure is recorded on its fetch state and in the log, and the next run tries it again.
 */
import { Conflict, NotFound } from '../../domain/errors.js';
import { logger } from '../../logger.js';
import type { FetchOrdersReply } from '../../domain/schemas/order-fetch.js';
import type { System } from '../../domain/schemas/systems.js';
import { DEFAULT_FETCH_POLICY, fetchSystemOrders, type FetchDeps } from './fetch.js';
import type { FetchPolicy } from './page.js';

export interface ScheduleOptions {
  /** Systems fetched at once. */
  concurrency: number;
  /** Time the invocation has left (ms). */
  remainingMs: number;
  /** Kept free at the end of the invocation: no system starts later than this. */
  reserveMs: number;
  policy: FetchPolicy;
}
export const DEFAULT_SCHEDULE: Omit<ScheduleOptions, 'remainingMs'> = {
  concurrency: 4,
  reserveMs: 5_000,
  policy: DEFAULT_FETCH_POLICY,
};

export interface ScheduleSummary {
  systems: number;
  fetched: number;
  logged: number;
  /** Systems whose run stopped with an error (retried next run). */
  failed: { systemId: string; error: string }[];
  /** Systems left for the next run: another fetch held them, or no time was left. */
  skipped: { systemId: string; reason: string }[];
}

/** Every system of every org that has an order feed (orgs and systems read through indexes). */
export const systemsWithFeeds = async (deps: Pick<FetchDeps, 'stores'>): Promise<System[]> => {
  const config = deps.stores.config;
  const out: System[] = [];
  for (const org of await config.listOrgs()) {
    let cursor: string | undefined;
    do {
      const page = await config.pageSystems(org.orgId, 200, cursor);
      out.push(...page.items.filter((s) => s.orderFetchUrl && s.orgId === org.orgId));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
  }
  return out;
};

/** A random order, so systems late in a long list are not the ones always left for next time. */
const shuffled = <T>(xs: T[]): T[] => {
  const a = [...xs];
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
};

/**
 * Fetch new orders from every system with a feed, `concurrency` at a time; each run bounded by the
 * policy's budget and by the time the invocation has left. Returns a summary for operators.
 */
export const fetchAllSystems = async (
  deps: FetchDeps,
  o: ScheduleOptions,
): Promise<ScheduleSummary> => {
  const endBy = Date.now() + o.remainingMs - o.reserveMs;
  const queue = shuffled(await systemsWithFeeds(deps));
  const sum: ScheduleSummary = {
    systems: queue.length,
    fetched: 0,
    logged: 0,
    failed: [],
    skipped: [],
  };
  const one = async (s: System): Promise<void> => {
    const left = endBy - Date.now();
    if (left < 1_000)
      return void sum.skipped.push({ systemId: s.systemId, reason: 'no time left' });
    const policy = { ...o.policy, budgetMs: Math.min(o.policy.budgetMs, left) };
    let r: FetchOrdersReply;
    try {
      r = await fetchSystemOrders(s.systemId, 'SCHEDULED', deps, policy);
    } catch (e) {
      if (e instanceof Conflict || e instanceof NotFound)
        return void sum.skipped.push({ systemId: s.systemId, reason: e.message });
      // A store fault on one system is that system's failure; the others go on.
      logger.error('order fetch of a system failed', { systemId: s.systemId, error: e });
      return void sum.failed.push({ systemId: s.systemId, error: 'internal error' });
    }
    sum.fetched += r.fetched;
    sum.logged += r.logged;
    if (r.error) sum.failed.push({ systemId: s.systemId, error: r.error });
  };
  const workers = Array.from({ length: Math.min(o.concurrency, queue.length) }, async () => {
    for (let s = queue.shift(); s; s = queue.shift()) await one(s);
  });
  await Promise.all(workers);
  logger.info('scheduled order fetch done', { ...sum });
  return sum;
};
