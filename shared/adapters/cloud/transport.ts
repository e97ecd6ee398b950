/**
 * The invoice cloud's transport: one HTTP exchange with retries for transport faults (429/5xx, bad
 * JSON, timeouts; full-jitter backoff honouring `Retry-After`, seconds or HTTP-date, clamped to
 * the remaining budget), and the envelope read with the retryable codes (1307/1429/9999) retried
 * the same way. With a limiter, every attempt first takes its tokens (the wait counts against the
 * call's budget) and every throttling answer slows the shared buckets down.
 */
import { randomUUID } from 'node:crypto';
import { logger } from '../../logger.js';
import { CODES, RETRYABLE_CODES, WIRE } from './contract.js';
import { RateLimitWait, type CloudLimiter } from './limiter.js';

/**
 * A failed cloud call; `retryable` is false for 1001/1101/1200/1301/1404/1409 and other
 * refusals.
 */
export class CloudError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly retryable: boolean,
    readonly reqid?: string,
    readonly traceId?: string,
  ) {
    super(message);
    this.name = 'CloudError';
  }
}

export interface RetryPolicy {
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** Total time the retries of one call may spend waiting. */
  budgetMs: number;
  timeoutMs: number;
  /** Time allowed for a long poll of the push channel (the cloud holds it open up to ~30 s). */
  pollTimeoutMs: number;
}
export const DEFAULT_RETRY: RetryPolicy = {
  maxAttempts: 6,
  baseDelayMs: 200,
  maxDelayMs: 8000,
  budgetMs: 30000,
  timeoutMs: 20000,
  pollTimeoutMs: 40000,
};

/** A read envelope: `errcode`/`description` or `errorCode`/`message`, plus the raw answer. */
export interface CloudReply {
  code: string;
  message: string;
  data: unknown;
  reqid: string;
  traceId?: string | undefined;
}
export interface Answer {
  reply: CloudReply;
  json: Record<string, unknown>;
}

export interface CloudRequest {
  method: 'GET' | 'POST';
  path: string;
  /** Built per attempt (a signed query or body carries a fresh timestamp). */
  query?: () => Record<string, string>;
  body?: () => unknown;
  /** Adds a fresh `reqid` to the query string of every attempt. */
  traced?: boolean;
  timeoutMs?: number;
  /** Envelope codes retried with backoff (default: 1307, 1429, 9999). */
  retryCodes?: ReadonlySet<string>;
  /** The org's clientId: the per-client rate-limit bucket the call draws from. */
  clientId?: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** A scalar envelope field as text ('' when absent or not a scalar). */
const text = (v: unknown): string =>
  typeof v === 'string' || typeof v === 'number' ? String(v) : '';
const httpError = (status: number, retryable: boolean, reqid?: string) =>
  new CloudError(`HTTP${status}`, `invoice cloud answered HTTP ${status}`, retryable, reqid);

/**
 * A `Retry-After` header in ms from `now`: delay-seconds (`120`) or an HTTP-date (a past date is
 * 0). Undefined when absent or unreadable. The caller clamps it to its retry budget.
 */
export const parseRetryAfter = (header: string | null, now: number): number | undefined => {
  const v = header?.trim() ?? '';
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  if (!/[a-z]/i.test(v)) return undefined;
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
};

/** Told of each call (its duration, retries included) and each throttling answer (metrics). */
export interface CloudObserver {
  called(ms: number, path: string): void;
  throttled(): void;
}
const THROTTLE_CODES: ReadonlySet<string> = new Set([CODES.busy, CODES.rateLimited]);

export const createTransport = (opts: {
  baseUrl: string;
  retry?: Partial<RetryPolicy>;
  observe?: CloudObserver | undefined;
  /** Rate limits toward the cloud (shared buckets); none: calls are not limited. */
  limiter?: CloudLimiter | undefined;
}) => {
  const base = opts.baseUrl.replace(/\/+$/, '');
  const policy = { ...DEFAULT_RETRY, ...opts.retry };
  /** Full-jitter exponential backoff. */
  const jitter = (attempt: number) =>
    Math.random() * Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  const overBudget = (started: number, attempt: number, delay: number) =>
    attempt >= policy.maxAttempts || Date.now() - started + delay > policy.budgetMs;

  const throttled = async (req: CloudRequest) => {
    opts.observe?.throttled();
    await opts.limiter?.throttled(req.clientId);
  };
  /** The tokens of one attempt; a wait beyond the budget fails the call as retryable. */
  const tokens = async (req: CloudRequest, started: number) => {
    try {
      await opts.limiter?.acquire(req.clientId, started + policy.budgetMs);
    } catch (e) {
      if (!(e instanceof RateLimitWait)) throw e;
      logger.warn('invoice cloud call not sent: rate limit', { path: req.path, waitMs: e.waitMs });
      throw new CloudError(CODES.rateLimited, e.message, true);
    }
  };

  /** One attempt: the parsed answer, or a retryable failure (with the server's wait, if any). */
  const attemptOnce = async (
    req: CloudRequest,
    reqid: string | undefined,
  ): Promise<{ json: Record<string, unknown> } | { failure: CloudError; wait?: number }> => {
    const params = { ...req.query?.(), ...(reqid ? { [WIRE.reqid]: reqid } : {}) };
    const qs = new URLSearchParams(params).toString();
    const timeoutMs = req.timeoutMs ?? policy.timeoutMs;
    try {
      const res = await fetch(`${base}${req.path}${qs ? `?${qs}` : ''}`, {
        method: req.method,
        ...(req.body
          ? { headers: { 'content-type': 'application/json' }, body: JSON.stringify(req.body()) }
          : {}),
        signal: AbortSignal.timeout(timeoutMs),
        redirect: 'error',
      });
      const body = await res.text();
      if (res.status === 429) await throttled(req);
      if (res.status === 429 || res.status >= 500) {
        const ra = parseRetryAfter(res.headers.get('retry-after'), Date.now());
        const wait = ra === undefined ? {} : { wait: ra };
        return { failure: httpError(res.status, true, reqid), ...wait };
      }
      if (res.status !== 200) throw httpError(res.status, false, reqid);
      let json: unknown;
      try {
        json = JSON.parse(body);
      } catch {
        const msg = 'invoice cloud answered with a body that is not JSON';
        return { failure: new CloudError('BAD_JSON', msg, true, reqid) };
      }
      // `null`, a number, a string or an array carries no envelope: the same bad answer.
      if (json === null || typeof json !== 'object' || Array.isArray(json)) {
        const msg = 'invoice cloud answered with JSON that is not an object';
        return { failure: new CloudError('BAD_JSON', msg, true, reqid) };
      }
      return { json: json as Record<string, unknown> };
    } catch (e) {
      if (e instanceof CloudError) throw e;
      const timeout = e instanceof Error && (e.name === 'TimeoutError' || e.name === 'AbortError');
      const msg = timeout
        ? `invoice cloud did not answer within ${timeoutMs} ms`
        : `invoice cloud unreachable: ${(e as Error).message}`;
      return { failure: new CloudError(timeout ? 'TIMEOUT' : 'NETWORK', msg, true, reqid) };
    }
  };

  /**
   * The call with retries: transport faults, then the retryable envelope codes. Returns the
   * envelope whatever its code; the caller decides what a refusal means.
   */
  const request = async (req: CloudRequest): Promise<Answer> => {
    const started = Date.now();
    const retryCodes = req.retryCodes ?? RETRYABLE_CODES;
    for (let attempt = 1; ; attempt++) {
      const reqid = req.traced ? randomUUID() : undefined;
      await tokens(req, started);
      const got = await attemptOnce(req, reqid);
      let delay = jitter(attempt);
      if ('json' in got) {
        const json = got.json;
        const traceId = typeof json.traceId === 'string' ? json.traceId : undefined;
        const reply: CloudReply = {
          code: text(json.errcode ?? json.errorCode),
          message: text(json.description ?? json.message),
          data: json.data,
          reqid: reqid ?? '',
          traceId,
        };
        if (retryCodes.has(reply.code) && THROTTLE_CODES.has(reply.code)) await throttled(req);
        if (!retryCodes.has(reply.code) || overBudget(started, attempt, delay))
          return { reply, json };
      } else {
        // The server's wait, never beyond what is left of the budget: one last try at its end.
        if (got.wait !== undefined) {
          const left = Math.max(0, policy.budgetMs - (Date.now() - started));
          delay = Math.min(Math.max(got.wait, delay), left);
        }
        if (overBudget(started, attempt, delay)) {
          const { code, message } = got.failure;
          logger.warn('invoice cloud call failed', { path: req.path, reqid, code, attempt });
          const gaveUp = `${message} (gave up after ${attempt} attempts)`;
          throw new CloudError(code, gaveUp, true, reqid);
        }
      }
      await sleep(delay);
    }
  };

  const observed = async (req: CloudRequest): Promise<Answer> => {
    const started = Date.now();
    try {
      return await request(req);
    } finally {
      opts.observe?.called(Date.now() - started, req.path);
    }
  };
  return { request: opts.observe ? observed : request, policy };
};
export type Transport = ReturnType<typeof createTransport>;

/** The error for a refused call (logged with its reqid and traceId). */
export const refusal = (path: string, r: CloudReply, what?: string): CloudError => {
  const { code, message, reqid, traceId } = r;
  logger.warn('invoice cloud refused a call', {
    path,
    reqid,
    traceId,
    code,
    cloudMessage: message,
  });
  return new CloudError(
    code || 'BAD_ENVELOPE',
    what ?? (message || 'invoice cloud answered without an error code'),
    RETRYABLE_CODES.has(code),
    reqid || undefined,
    traceId,
  );
};
export const isOk = (r: CloudReply) => r.code === CODES.ok;
