/**
 * The simulator's HTTP front: parses each request, applies the injected faults (the `once` list,
 * the rates, slowness, outages are checked by the routes), records every call and answers.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CODES, WIRE } from '#shared/adapters/cloud/contract.js';

export interface Faults {
  rate5xx: number;
  rate429: number;
  rateTimeout: number;
  retryAfterSeconds: number;
  /** Added latency on every call. */
  slowMs: number;
  /** How long a "timeout" hangs before closing the socket. */
  hangMs: number;
  /** Every call for these tax numbers answers 503. */
  outageTaxNos: string[];
  /**
   * One-shot faults for the next calls, in order. `1300` waits for the next call that carries an
   * access_token; `1307` is the vendor's "busy, retry later".
   */
  once: ('500' | '503' | '429' | 'timeout' | '1300' | '1307' | '9999' | 'bad-json')[];
  /** Records with these serial numbers are served malformed. */
  malformedSerials: string[];
  /** After each list page, this many records of that ledger are changed (moved to "now"). */
  mutateBetweenPages: number;
}
export const NO_FAULTS: Faults = {
  rate5xx: 0,
  rate429: 0,
  rateTimeout: 0,
  retryAfterSeconds: 1,
  slowMs: 0,
  hangMs: 30000,
  outageTaxNos: [],
  once: [],
  malformedSerials: [],
  mutateBetweenPages: 0,
};

export interface SimCall {
  method: string;
  path: string;
  query: Record<string, string>;
  body: unknown;
  status: number;
  code?: string | undefined;
}
export type Route = (
  method: string,
  path: string,
  query: Record<string, string>,
  body: Record<string, unknown>,
) => Promise<[number, unknown]>;

export const envelope = (errcode: string, description: string, data?: unknown) => ({
  errcode,
  description,
  data,
  traceId: randomUUID(),
});

const readBody = (chunks: Buffer[]): Record<string, unknown> => {
  try {
    return chunks.length
      ? (JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>)
      : {};
  } catch {
    return {};
  }
};

/** The one-shot or rolled fault for this call, if any (`1300` only hits token-carrying calls). */
const faultFor = (faults: Faults, roll: number, carriesToken: boolean) => {
  let once = faults.once.shift();
  if (once === '1300' && !carriesToken) {
    faults.once.unshift(once);
    once = undefined;
  }
  if (once) return once;
  if (roll < faults.rateTimeout) return 'timeout';
  if (roll < faults.rateTimeout + faults.rate5xx) return '500';
  if (roll < faults.rateTimeout + faults.rate5xx + faults.rate429) return '429';
  return undefined;
};

export const startHttp = async (o: {
  port?: number | undefined;
  faults: Faults;
  rnd: () => number;
  calls: SimCall[];
  concurrency: { now: number; peak: number };
  route: Route;
  /** Rate limits (limits.ts): which one a request breaks, and how such a request is answered. */
  gate?: {
    check(query: Record<string, string>, body: Record<string, unknown>): string | undefined;
    answer(): '429' | '1429';
  };
}) => {
  const { faults, calls, concurrency } = o;
  const handle = async (req: IncomingMessage, res: ServerResponse, chunks: Buffer[]) => {
    const url = new URL(req.url ?? '/', 'http://sim');
    const query = Object.fromEntries(url.searchParams);
    const body = readBody(chunks);
    const method = req.method ?? 'GET';
    const record = (status: number, payload: unknown) => {
      const p = payload as { errcode?: string; errorCode?: string } | null;
      const code = typeof payload === 'string' ? undefined : (p?.errcode ?? p?.errorCode);
      calls.push({ method, path: url.pathname, query, body, status, code });
      if (calls.length > 20000) calls.splice(0, 10000);
      res.writeHead(status, {
        'content-type': 'application/json',
        ...(status === 429 ? { 'retry-after': String(faults.retryAfterSeconds) } : {}),
      });
      res.end(typeof payload === 'string' ? payload : JSON.stringify(payload));
    };
    if (url.pathname === '/_sim/faults' && method === 'POST')
      return record(200, Object.assign(faults, body));
    const broke = o.gate?.check(query, body);
    if (broke) {
      const what = `rate limit exceeded (${broke})`;
      if (o.gate?.answer() === '1429') return record(200, envelope(CODES.rateLimited, what));
      return record(429, what);
    }
    if (faults.slowMs) await new Promise((r) => setTimeout(r, faults.slowMs));
    const fault = faultFor(faults, o.rnd(), url.searchParams.has(WIRE.accessToken));
    switch (fault) {
      case 'timeout':
        setTimeout(() => req.socket.destroy(), faults.hangMs).unref();
        return;
      case '500':
      case '503':
        return record(Number(fault), 'internal error');
      case '429':
        return record(429, 'slow down');
      case 'bad-json':
        return record(200, '{"errcode": "0000", "data": ');
      case '1300':
        return record(200, envelope(CODES.tokenInvalid, 'access_token expired'));
      case '1307':
        return record(200, envelope(CODES.busy, '系统繁忙,请稍后再试 (busy, retry later)'));
      case '9999':
        return record(200, envelope(CODES.internal, 'internal error'));
      case undefined:
        break;
    }
    if (!chunks.length && method === 'POST')
      return record(200, envelope(CODES.badRequest, 'body must be JSON'));
    const [status, payload] = await o.route(method, url.pathname, query, body);
    record(status, payload);
  };

  const server = createServer((req, res) => {
    concurrency.now++;
    concurrency.peak = Math.max(concurrency.peak, concurrency.now);
    res.on('close', () => concurrency.now--);
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => void handle(req, res, chunks));
  });
  server.keepAliveTimeout = 5000;
  await new Promise<void>((resolve) => server.listen(o.port ?? 0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
};
