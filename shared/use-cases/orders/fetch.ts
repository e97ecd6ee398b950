/**
 * Order acquisition by pull (SPEC §4.6): read a customer system's order feed from its stored
 * cursor, page by page, and claim each order through the one claim path of every processing
 * method (`claimOrder`: one `ORDER_FETCH` log per (org, orderNo)). The cursor is stored after each
 * page is logged, so a crash in between repeats that page, which the claims make harmless.
 */
import { randomUUID } from 'node:crypto';
import { claimOrder } from '../callbacks/orders.js';
import { CALLBACK_TIMEOUT_MS } from '../callbacks/deliver.js';
import type { Deps } from '../../deps.js';
import { BadRequest, Conflict, NotFound } from '../../domain/errors.js';
import { logger } from '../../logger.js';
import { secretNames } from '../../ports.js';
import {
  FETCH_MAX_PAGES,
  FETCH_PAGE_LIMIT,
  fetchedOrderSchema,
  type FetchOrdersReply,
  type FetchPage,
} from '../../domain/schemas/order-fetch.js';
import { FetchFailure, readPage, type FetchPolicy } from './page.js';
import { assertSafeFetchUrl } from './url.js';

/** The API's body bound (2 MB) and the callbacks' 15 s timeout; 3 tries per page; 20 s a run. */
export const DEFAULT_FETCH_POLICY: FetchPolicy = {
  maxPages: FETCH_MAX_PAGES,
  pageLimit: FETCH_PAGE_LIMIT,
  maxBytes: 2 * 1024 * 1024,
  timeoutMs: CALLBACK_TIMEOUT_MS,
  attempts: 3,
  baseDelayMs: 500,
  maxDelayMs: 5_000,
  budgetMs: 20_000,
};

/** A fetch's lease on its system: longer than any run (the scheduled function's timeout). */
export const FETCH_LEASE_MS = 180_000;

export type FetchDeps = Pick<
  Deps<'config' | 'logs' | 'fetches', never>,
  'stores' | 'secrets' | 'clock' | 'localMode'
>;
type Method = 'API_ACTIVE' | 'SCHEDULED';

interface Tally {
  fetched: number;
  logged: number;
  rejected: number;
  problems: string[];
}

/** Claim a page's orders, 25 at a time; a malformed order is skipped and named. */
const logPage = async (
  page: FetchPage,
  system: { systemId: string; orgId: string },
  method: Method,
  deps: FetchDeps,
  tally: Tally,
): Promise<void> => {
  const valid: { orderNo: string }[] = [];
  for (const [i, raw] of page.orders.entries()) {
    const r = fetchedOrderSchema.safeParse(raw);
    if (r.success) valid.push(r.data);
    else {
      tally.rejected++;
      const issue = r.error.issues[0]!;
      const where = [i, ...issue.path].join('.');
      if (tally.problems.length < 5) tally.problems.push(`orders.${where}: ${issue.message}`);
    }
  }
  tally.fetched += valid.length;
  for (let i = 0; i < valid.length; i += 25) {
    const claims = await Promise.all(
      valid
        .slice(i, i + 25)
        .map((o) => claimOrder({ ...o, systemId: system.systemId }, system.orgId, method, deps)),
    );
    tally.logged += claims.filter((c) => c.created).length;
  }
};

/**
 * Fetch new orders of one system now: `API_ACTIVE` for an operator's pull, `SCHEDULED` for the
 * schedule. 404 for an unknown system, 409 when it has no `orderFetchUrl` or a fetch of it is
 * running (a short conditional lease). A failing system is not an error of the call: the run stops
 * with `error` set and its cursor where the last logged page left it; the next run tries again.
 */
export const fetchSystemOrders = async (
  systemId: string,
  method: Method,
  deps: FetchDeps,
  policy: FetchPolicy = DEFAULT_FETCH_POLICY,
): Promise<FetchOrdersReply> => {
  const system = await deps.stores.config.getSystem(systemId);
  if (!system) throw new NotFound(`systemId: no system ${systemId}`);
  if (!system.orderFetchUrl)
    throw new Conflict(`orderFetchUrl: system ${systemId} has none (PUT /systems/${systemId})`);
  if (!system.orgId) throw new Conflict(`orgId: system ${systemId} belongs to no organisation`);
  const started = deps.clock().getTime();
  const clockStart = Date.now();
  const now = () => started + (Date.now() - clockStart);
  const owner = randomUUID();
  const fetches = deps.stores.fetches;
  const iso = (ms: number) => new Date(ms).toISOString();
  if (!(await fetches.lease(systemId, owner, iso(started), iso(started + FETCH_LEASE_MS))))
    throw new Conflict(`systemId: a fetch of system ${systemId} is already running`);
  const tally: Tally = { fetched: 0, logged: 0, rejected: 0, problems: [] };
  let cursor: string | null = null;
  let pages = 0;
  let more = false;
  let error: string | null = null;
  try {
    // A cursor belongs to the feed that issued it: a changed orderFetchUrl starts from the top.
    const state = await fetches.get(systemId);
    cursor = state.cursorUrl === system.orderFetchUrl ? state.cursor : null;
    const secret = await deps.secrets.get(secretNames.systemSigningSecret(systemId));
    if (!secret) throw new FetchFailure(`system ${systemId} has no signing secret`);
    const address = await assertSafeFetchUrl(system.orderFetchUrl, deps.localMode);
    const deadline = started + policy.budgetMs;
    for (;;) {
      const page = await readPage(
        {
          url: system.orderFetchUrl,
          address,
          secret,
          cursor,
          limit: policy.pageLimit,
          deadline,
          now,
        },
        policy,
      );
      await logPage(page, { systemId, orgId: system.orgId }, method, deps, tally);
      pages++;
      const next = page.nextCursor;
      if (next === null || next === cursor) break;
      if (!(await fetches.saveCursor(systemId, owner, next, system.orderFetchUrl)))
        throw new FetchFailure('the fetch lease was lost; the next run continues');
      cursor = next;
      if (pages >= policy.maxPages || now() >= deadline) {
        more = true;
        break;
      }
    }
  } catch (e) {
    if (!(e instanceof FetchFailure || e instanceof BadRequest)) {
      // Not the system's fault (e.g. our table): recorded as a failed run, then raised.
      error = `internal error: ${(e as Error).name}`;
      throw e;
    }
    error = e.message;
  } finally {
    await fetches.release(systemId, owner, iso(now()), error).catch((e: unknown) => {
      logger.warn('order fetch: lease not released (it expires)', { systemId, error: String(e) });
    });
  }
  const reply = { systemId, ...tally, pages, nextCursor: cursor, more, error };
  if (error) logger.warn('order fetch failed; the next run tries again', { ...reply, method });
  else logger.info('orders fetched', { ...reply, method });
  return reply;
};
