/**
 * One page of a customer system's order feed: the signed GET, retried with full-jitter backoff
 * (honouring `Retry-After`) within the run's deadline, and the answer checked against the fetch
 * contract. What retrying cannot fix (a redirect, a 4xx, an answer too large or not the contract's
 * shape) fails at once.
 */
import { parseJson, ReservedKeyError } from '../../domain/json.js';
import { randomUUID } from 'node:crypto';
import { signWebhook } from '../../domain/callbacks/sign.js';
import { fetchPageSchema, type FetchPage } from '../../domain/schemas/order-fetch.js';
import { getPinned, TooLarge, type GetReply } from '../../adapters/outbound/get.js';

export interface FetchPolicy {
  /** Pages per system per run. */
  maxPages: number;
  /** Orders asked for per page (`limit`). */
  pageLimit: number;
  /** Largest answer read. */
  maxBytes: number;
  /** One request's bound. */
  timeoutMs: number;
  /** Tries per page (the first included). */
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** The whole run of one system: pages, retries and waits. */
  budgetMs: number;
}

/** A page that could not be read; the run stops and records `message`. */
export class FetchFailure extends Error {
  override readonly name = 'FetchFailure';
}

export interface PageRequest {
  url: string;
  /** The address the SSRF guard checked (the connection goes there). */
  address: string;
  secret: string;
  cursor: string | null;
  limit: number;
  /** Epoch ms by which the run must be done. */
  deadline: number;
  now: () => number;
}

type Try = { page: FetchPage } | { error: string; retry: boolean; retryAfterS?: number };

const shapeProblem = (text: string): Try => {
  let json: unknown;
  try {
    json = parseJson(text);
  } catch (e) {
    if (e instanceof ReservedKeyError) return { error: `the answer: ${e.message}`, retry: false };
    return { error: 'the answer is not JSON', retry: false };
  }
  const r = fetchPageSchema.safeParse(json);
  if (r.success) return { page: r.data };
  const i = r.error.issues[0]!;
  const where = i.path.join('.') || '(body)';
  return { error: `the answer is not an order page: ${where}: ${i.message}`, retry: false };
};

const judge = (res: GetReply): Try => {
  if (res.status >= 200 && res.status < 300) return shapeProblem(res.text);
  if (res.status >= 300 && res.status < 400)
    return { error: `redirect ${res.status} not followed`, retry: false };
  const ra = Number(res.retryAfter);
  const transient = res.status === 429 || res.status >= 500;
  return {
    error: `HTTP ${res.status}`,
    retry: transient,
    ...(transient && Number.isFinite(ra) && ra > 0 ? { retryAfterS: ra } : {}),
  };
};

/** The request target (path and query, exactly as sent): what the signature covers. */
export const pageTarget = (url: string, cursor: string | null, limit: number): URL => {
  const u = new URL(url);
  u.searchParams.set('limit', String(limit));
  if (cursor === null) u.searchParams.delete('cursor');
  else u.searchParams.set('cursor', cursor);
  return u;
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Read one page. The webhook id stays the same across the tries of a page (the system may
 * de-duplicate on it); each try is signed with its own timestamp over `id.timestamp.target`.
 */
export const readPage = async (p: PageRequest, policy: FetchPolicy): Promise<FetchPage> => {
  const url = pageTarget(p.url, p.cursor, p.limit);
  const target = `${url.pathname}${url.search}`;
  const id = `msg_fetch_${randomUUID()}`;
  for (let attempt = 1; ; attempt++) {
    const timeoutMs = Math.min(policy.timeoutMs, p.deadline - p.now());
    if (timeoutMs <= 0) throw new FetchFailure('the run’s time budget was spent');
    const timestamp = Math.floor(p.now() / 1000);
    const headers = {
      accept: 'application/json',
      'webhook-id': id,
      'webhook-timestamp': String(timestamp),
      'webhook-signature': signWebhook(p.secret, id, timestamp, target),
    };
    let t: Try;
    try {
      t = judge(await getPinned(url, p.address, headers, { timeoutMs, maxBytes: policy.maxBytes }));
    } catch (e) {
      const err = e as Error;
      t =
        err instanceof TooLarge
          ? { error: err.message, retry: false }
          : err.name === 'TimeoutError'
            ? { error: `no answer within ${timeoutMs} ms`, retry: true }
            : // The cause (refused, reset, TLS) would tell which ports of a host are open.
              { error: 'unreachable', retry: true };
    }
    if ('page' in t) return t.page;
    if (!t.retry || attempt >= policy.attempts)
      throw new FetchFailure(attempt > 1 ? `${t.error} (after ${attempt} tries)` : t.error);
    const asked = (t.retryAfterS ?? 0) * 1000;
    // A system asking for a longer pause than a run may wait is asked again by the next run.
    if (asked > policy.maxDelayMs)
      throw new FetchFailure(`${t.error} (Retry-After ${t.retryAfterS} s: next run)`);
    const backoff = Math.random() * Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt);
    const wait = Math.max(backoff, asked);
    if (p.now() + wait >= p.deadline)
      throw new FetchFailure(`${t.error} (no time left to retry within the run’s budget)`);
    await sleep(wait);
  }
};
