import { createHash, randomUUID } from 'node:crypto';
import { logger } from '../logger.js';
import type { Kind } from '../schemas/cloud.js';
import {
  CLOUD_PATHS,
  type BillDeleteBody,
  type BillSaveBody,
  type BillStatusBody,
} from './contract.js';

/** The org's invoice-cloud authorization. */
export interface CloudAuth {
  clientId: string;
  clientSecret: string;
  taxNo: string;
}

export interface ListQuery {
  updateTimeStart?: string;
  updateTimeEnd?: string;
  pageNo: number;
  pageSize: number;
}
export interface ListPage {
  total: number;
  pageNo: number;
  pageSize: number;
  /** Raw records: the caller validates each one (a malformed record is skipped, not fatal). */
  list: unknown[];
}

/** What the product asks of the invoice cloud (one module speaks its wire format). */
export interface CloudClient {
  listInvoices(auth: CloudAuth, kind: Kind, q: ListQuery): Promise<ListPage>;
  invoicesByBills(
    auth: CloudAuth,
    billNos: string[],
  ): Promise<{ list: unknown[]; notFound: string[] }>;
  saveBill(auth: CloudAuth, body: BillSaveBody): Promise<CloudReply>;
  billStatus(auth: CloudAuth, body: BillStatusBody): Promise<CloudReply>;
  deleteBill(auth: CloudAuth, body: BillDeleteBody): Promise<CloudReply>;
}
export interface CloudReply {
  code: string;
  message: string;
  data: unknown;
  reqid: string;
  traceId?: string | undefined;
}

/** A failed cloud call. `retryable` is false for 1001/1301/1404/1409 and other definite answers. */
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
}
export const DEFAULT_RETRY: RetryPolicy = {
  maxAttempts: 6,
  baseDelayMs: 200,
  maxDelayMs: 8000,
  budgetMs: 30000,
  timeoutMs: 20000,
};

const RETRYABLE_CODES = new Set(['1429', '9999']);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** A scalar envelope field as text ('' when absent or not a scalar). */
const text = (v: unknown): string =>
  typeof v === 'string' || typeof v === 'number' ? String(v) : '';
/** Both envelopes of the contract: `errcode`/`description` and `errorCode`/`message`. */
const readEnvelope = (env: Record<string, unknown>) => ({
  code: text(env.errcode ?? env.errorCode),
  message: text(env.description ?? env.message),
});

interface Token {
  value: string;
  expiresAt: number;
}

/**
 * The invoice-cloud client: MD5-signed token per clientId (cached until shortly before `expires_in`),
 * `access_token`/`reqid`/`taxNo` on the query string, both envelopes read, 1300 → one token refresh,
 * 429/5xx/timeouts/1429/9999 retried with full-jitter backoff honouring `Retry-After` within a budget.
 */
export const createCloudClient = (opts: {
  baseUrl: string;
  retry?: Partial<RetryPolicy>;
}): CloudClient => {
  const base = opts.baseUrl.replace(/\/+$/, '');
  const policy = { ...DEFAULT_RETRY, ...opts.retry };
  const now = Date.now;
  const tokens = new Map<string, Promise<Token>>();
  /** Full-jitter exponential backoff. */
  const jitter = (attempt: number) =>
    Math.random() * Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));

  /**
   * One HTTP exchange with retries for transport-level and rate faults. With `auth`, every attempt carries
   * `access_token`, `taxNo` and a fresh `reqid`; the answer names the `reqid` of the attempt that answered.
   */
  const exchange = async (
    path: string,
    body: unknown,
    auth?: { token: string; taxNo: string },
  ): Promise<{ json: Record<string, unknown>; reqid?: string }> => {
    const started = now();
    for (let attempt = 1; ; attempt++) {
      const reqid = auth ? randomUUID() : undefined;
      const query = auth
        ? `?${new URLSearchParams({ access_token: auth.token, reqid: reqid!, taxNo: auth.taxNo }).toString()}`
        : '';
      const url = `${base}${path}${query}`;
      let wait: number | undefined;
      let failure: CloudError;
      try {
        const res = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
          signal: AbortSignal.timeout(policy.timeoutMs),
          redirect: 'error',
        });
        const text = await res.text();
        if (res.status === 429 || res.status >= 500) {
          const ra = Number(res.headers.get('retry-after'));
          if (Number.isFinite(ra) && ra >= 0) wait = ra * 1000;
          failure = new CloudError(
            `HTTP${res.status}`,
            `invoice cloud answered HTTP ${res.status}`,
            true,
            reqid,
          );
        } else if (res.status !== 200) {
          throw new CloudError(
            `HTTP${res.status}`,
            `invoice cloud answered HTTP ${res.status}`,
            false,
            reqid,
          );
        } else {
          try {
            return {
              json: JSON.parse(text) as Record<string, unknown>,
              ...(reqid ? { reqid } : {}),
            };
          } catch {
            failure = new CloudError(
              'BAD_JSON',
              'invoice cloud answered with a body that is not JSON',
              true,
              reqid,
            );
          }
        }
      } catch (e) {
        if (e instanceof CloudError) throw e;
        const timeout =
          e instanceof Error && (e.name === 'TimeoutError' || e.name === 'AbortError');
        failure = new CloudError(
          timeout ? 'TIMEOUT' : 'NETWORK',
          timeout
            ? `invoice cloud did not answer within ${policy.timeoutMs} ms`
            : `invoice cloud unreachable: ${(e as Error).message}`,
          true,
          reqid,
        );
      }
      const delay = Math.max(wait ?? 0, jitter(attempt));
      if (attempt >= policy.maxAttempts || now() - started + delay > policy.budgetMs) {
        logger.warn('invoice cloud call failed', {
          path,
          reqid,
          code: failure.code,
          attempts: attempt,
        });
        throw new CloudError(
          failure.code,
          `${failure.message} (gave up after ${attempt} attempts)`,
          true,
          reqid,
        );
      }
      await sleep(delay);
    }
  };

  const fetchToken = async (auth: CloudAuth): Promise<Token> => {
    const timestamp = String(now());
    const sign = createHash('md5')
      .update(auth.clientId + auth.clientSecret + timestamp)
      .digest('hex');
    const { json: env } = await exchange(CLOUD_PATHS.token, {
      client_id: auth.clientId,
      timestamp,
      sign,
    });
    const { code, message } = readEnvelope(env);
    if (code !== '0000' || typeof env.access_token !== 'string') {
      const desc = message || 'token request refused';
      throw new CloudError(
        code || 'BAD_TOKEN_REPLY',
        code === '1301' ? `bad client credentials for clientId ${auth.clientId}: ${desc}` : desc,
        false,
      );
    }
    const ttl = Number(env.expires_in);
    const ttlMs = (Number.isFinite(ttl) && ttl > 0 ? ttl : 300) * 1000;
    return { value: env.access_token, expiresAt: now() + ttlMs - Math.min(300_000, ttlMs / 10) };
  };

  const token = async (auth: CloudAuth, fresh = false): Promise<string> => {
    const cached = tokens.get(auth.clientId);
    if (!fresh && cached) {
      const t = await cached.catch(() => undefined);
      if (t && t.expiresAt > now()) return t.value;
    }
    const p = fetchToken(auth);
    tokens.set(auth.clientId, p);
    p.catch(() => tokens.delete(auth.clientId));
    return (await p).value;
  };

  /** A business call: token, envelope, one refresh on 1300, rate/internal codes retried by `exchange`'s policy. */
  const call = async (auth: CloudAuth, path: string, body: unknown): Promise<CloudReply> => {
    let refreshed = false;
    let forceFresh = false;
    for (let attempt = 1; ; attempt++) {
      const accessToken = await token(auth, forceFresh);
      forceFresh = false;
      const { json: env, reqid = '' } = await exchange(path, body, {
        token: accessToken,
        taxNo: auth.taxNo,
      });
      const { code, message } = readEnvelope(env);
      const traceId = typeof env.traceId === 'string' ? env.traceId : undefined;
      if (code === '0000') return { code, message, data: env.data, reqid, traceId };
      if (code === '1300' && !refreshed) {
        refreshed = forceFresh = true;
        continue;
      }
      if (RETRYABLE_CODES.has(code) && attempt < policy.maxAttempts) {
        await sleep(jitter(attempt + 1));
        continue;
      }
      logger.warn('invoice cloud refused a call', { path, reqid, traceId, code, message });
      throw new CloudError(
        code || 'BAD_ENVELOPE',
        message || 'invoice cloud answered without an error code',
        RETRYABLE_CODES.has(code),
        reqid,
        traceId,
      );
    }
  };

  const dataOf = (reply: CloudReply, what: string): Record<string, unknown> => {
    if (!reply.data || typeof reply.data !== 'object')
      throw new CloudError(
        'BAD_DATA',
        `${what}: answer has no data object`,
        true,
        reply.reqid,
        reply.traceId,
      );
    return reply.data as Record<string, unknown>;
  };

  return {
    async listInvoices(auth, kind, q) {
      const reply = await call(auth, CLOUD_PATHS.list(kind), { taxNo: auth.taxNo, ...q });
      const d = dataOf(reply, 'invoice list');
      if (!Array.isArray(d.list) || typeof d.total !== 'number')
        throw new CloudError(
          'BAD_DATA',
          'invoice list: data.list or data.total missing',
          true,
          reply.reqid,
          reply.traceId,
        );
      return {
        total: d.total,
        pageNo: Number(d.pageNo ?? q.pageNo),
        pageSize: Number(d.pageSize ?? q.pageSize),
        list: d.list,
      };
    },
    async invoicesByBills(auth, billNos) {
      const reply = await call(auth, CLOUD_PATHS.byBills, { taxNo: auth.taxNo, billNos });
      const d = dataOf(reply, 'invoices by bill');
      return {
        list: Array.isArray(d.list) ? d.list : [],
        notFound: Array.isArray(d.notFound) ? d.notFound.map(String) : [],
      };
    },
    saveBill: (auth, body) => call(auth, CLOUD_PATHS.billSave, body),
    billStatus: (auth, body) => call(auth, CLOUD_PATHS.billStatus, body),
    deleteBill: (auth, body) => call(auth, CLOUD_PATHS.billDelete, body),
  };
};
