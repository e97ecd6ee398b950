/**
 * The invoice-cloud simulator: an HTTP server on loopback that serves INVOICE_CLOUD_API.md faithfully
 * (token + MD5 sign + expiry, paging, date filters, by-bill query, bill save/status/delete) over seeded
 * data, with injectable faults. Used by the tests, the demo and `npm start`.
 */
import { createHash, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { CloudInvoice, Kind } from '#shared/schemas/cloud.js';
import { cstDateTime } from '#shared/time/cst.js';
import { compareLedger, generateLedger, prng } from './data.js';
import { handleBills, type SimBill } from './bills.js';

export interface SimOrgSpec {
  taxNo: string;
  orgName: string;
  clientId: string;
  clientSecret: string;
  input?: number;
  output?: number;
  phones?: string[];
}
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
  /** One-shot faults for the next calls, in order. */
  once: ('500' | '503' | '429' | 'timeout' | '1300' | '9999' | 'bad-json')[];
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

interface SimOrg extends SimOrgSpec {
  ledgers: Record<Kind, CloudInvoice[]>;
}
export interface SimCall {
  path: string;
  query: Record<string, string>;
  body: unknown;
  status: number;
  code?: string | undefined;
}

export interface Simulator {
  url: string;
  faults: Faults;
  calls: SimCall[];
  bills: Map<string, SimBill>;
  org(taxNo: string): SimOrg;
  /** Change a record as the cloud would: fields patched, updateTime = `at` (default now, CST). */
  mutate(
    taxNo: string,
    kind: Kind,
    serialNo: string,
    patch: Partial<CloudInvoice>,
    at?: Date,
  ): CloudInvoice;
  add(taxNo: string, kind: Kind, records: CloudInvoice[]): void;
  remove(taxNo: string, kind: Kind, serialNo: string): void;
  expireTokens(): void;
  setFaults(f: Partial<Faults>): void;
  stop(): Promise<void>;
}

const envelope = (errcode: string, description: string, data?: unknown) => ({
  errcode,
  description,
  data,
  traceId: randomUUID(),
});

export const startSimulator = async (opts: {
  orgs: SimOrgSpec[];
  seed?: number;
  endDate: string;
  days?: number;
  tokenTtlSeconds?: number;
  port?: number;
}): Promise<Simulator> => {
  const seed = opts.seed ?? 42;
  const rnd = prng(seed ^ 0x5eed);
  const orgs = new Map<string, SimOrg>();
  for (const o of opts.orgs) {
    const gen = (kind: Kind, count: number) =>
      generateLedger({
        taxNo: o.taxNo,
        orgName: o.orgName,
        kind,
        count,
        seed,
        endDate: opts.endDate,
        days: opts.days ?? 30,
        phones: o.phones ?? [],
      });
    orgs.set(o.taxNo, {
      ...o,
      ledgers: { input: gen('input', o.input ?? 0), output: gen('output', o.output ?? 0) },
    });
  }
  const tokens = new Map<string, { clientId: string; expiresAt: number }>();
  const bills = new Map<string, SimBill>();
  const calls: SimCall[] = [];
  const faults: Faults = { ...NO_FAULTS };
  const orgByClient = (clientId: string) => [...orgs.values()].find((o) => o.clientId === clientId);

  const mutate = (
    taxNo: string,
    kind: Kind,
    serialNo: string,
    patch: Partial<CloudInvoice>,
    at = new Date(),
  ) => {
    const ledger = sim.org(taxNo).ledgers[kind];
    const i = ledger.findIndex((r) => r.serialNo === serialNo);
    if (i < 0) throw new Error(`simulator: no ${kind} invoice ${serialNo} for ${taxNo}`);
    const next = { ...ledger[i]!, ...patch, updateTime: patch.updateTime ?? cstDateTime(at) };
    ledger.splice(i, 1);
    ledger.splice(upperBound(ledger, next), 0, next);
    return next;
  };

  const list = (org: SimOrg, kind: Kind, body: Record<string, unknown>) => {
    const { pageNo, pageSize, updateTimeStart: start, updateTimeEnd: end } = body;
    if (!Number.isInteger(pageNo) || (pageNo as number) < 1)
      return envelope('1001', 'pageNo must be an integer ≥ 1');
    if (!Number.isInteger(pageSize) || (pageSize as number) < 1 || (pageSize as number) > 500)
      return envelope('1001', 'pageSize must be an integer 1..500');
    const timeRe = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/;
    for (const [k, v] of [
      ['updateTimeStart', start],
      ['updateTimeEnd', end],
    ] as const)
      if (v !== undefined && v !== null && (typeof v !== 'string' || !timeRe.test(v)))
        return envelope('1001', `${k} must be yyyy-MM-dd HH:mm:ss`);
    const ledger = org.ledgers[kind];
    const lo = typeof start === 'string' ? lowerBoundTime(ledger, start) : 0;
    const hi = typeof end === 'string' ? upperBoundTime(ledger, end) : ledger.length;
    const from = lo + ((pageNo as number) - 1) * (pageSize as number);
    const page = ledger.slice(Math.min(from, hi), Math.min(from + (pageSize as number), hi));
    const out = page.map((r) =>
      faults.malformedSerials.includes(r.serialNo)
        ? { ...r, invoiceNo: 12345, totalAmount: 'lots' }
        : r,
    );
    const result = envelope('0000', '操作成功', {
      total: Math.max(0, hi - lo),
      pageNo,
      pageSize,
      list: out,
    });
    for (let k = 0; k < faults.mutateBetweenPages && ledger.length; k++) {
      const victim = ledger[Math.floor(rnd() * ledger.length)]!;
      mutate(org.taxNo, kind, victim.serialNo, {
        invoiceTag: `changed-${Math.floor(rnd() * 1e6)}`,
      });
    }
    return result;
  };

  const route = (
    path: string,
    query: Record<string, string>,
    body: Record<string, unknown>,
  ): [number, unknown] => {
    if (path === '/base/oauth/token') {
      const { client_id, timestamp, sign } = body;
      const org = typeof client_id === 'string' ? orgByClient(client_id) : undefined;
      if (typeof timestamp !== 'string' || !/^\d+$/.test(timestamp))
        return [
          200,
          { errcode: '1001', description: 'timestamp is required (epoch milliseconds)' },
        ];
      if (Math.abs(Date.now() - Number(timestamp)) > 300_000)
        return [200, { errcode: '1001', description: 'timestamp is more than 5 minutes off' }];
      const expected =
        org &&
        createHash('md5')
          .update(org.clientId + org.clientSecret + timestamp)
          .digest('hex');
      if (!org || sign !== expected)
        return [200, { errcode: '1301', description: 'client_id or sign is wrong' }];
      const token = randomUUID().replaceAll('-', '');
      const ttl = opts.tokenTtlSeconds ?? 129600;
      tokens.set(token, { clientId: org.clientId, expiresAt: Date.now() + ttl * 1000 });
      return [
        200,
        {
          errcode: '0000',
          description: '操作成功',
          access_token: token,
          token_type: 'bearer',
          expires_in: ttl,
        },
      ];
    }
    const tok = tokens.get(query.access_token ?? '');
    if (!tok || tok.expiresAt <= Date.now())
      return [200, envelope('1300', 'access_token missing, expired or invalid')];
    if (!query.reqid || query.reqid.length < 13)
      return [200, envelope('1001', 'reqid is required (≥ 13 characters)')];
    const org = orgByClient(tok.clientId)!;
    if (query.taxNo !== org.taxNo)
      return [200, envelope('1001', 'taxNo does not belong to this client')];
    if (faults.outageTaxNos.includes(org.taxNo)) return [503, 'service unavailable'];
    const m = /^\/portal\/invoice\/(input|output)\/list$/.exec(path);
    if (m) return [200, list(org, m[1] as Kind, body)];
    if (path === '/portal/invoice/input/by-bills') {
      const billNos = body.billNos;
      if (!Array.isArray(billNos) || billNos.length < 1 || billNos.length > 200)
        return [200, { errorCode: '1001', message: 'billNos must hold 1..200 bill numbers' }];
      const found = org.ledgers.input.filter((r) => r.billNo && billNos.includes(r.billNo));
      const notFound = billNos.filter((b) => !found.some((r) => r.billNo === b));
      return [200, { errorCode: '0000', message: '操作成功', data: { list: found, notFound } }];
    }
    const bill = handleBills(path, body, org, bills, (serial, patch) =>
      mutate(org.taxNo, 'input', serial, patch),
    );
    if (bill) return [200, envelope(...bill)];
    return [404, envelope('1404', `no such endpoint ${path}`)];
  };

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        const url = new URL(req.url ?? '/', 'http://sim');
        const query = Object.fromEntries(url.searchParams);
        let body: Record<string, unknown> = {};
        try {
          body = chunks.length
            ? (JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>)
            : {};
        } catch {
          /* answered below as 1001 */
        }
        const record = (status: number, payload: unknown) => {
          calls.push({
            path: url.pathname,
            query,
            body,
            status,
            code:
              (payload as { errcode?: string; errorCode?: string } | null)?.errcode ??
              (payload as { errorCode?: string } | null)?.errorCode,
          });
          if (calls.length > 20000) calls.splice(0, 10000);
          res.writeHead(status, {
            'content-type': 'application/json',
            ...(status === 429 ? { 'retry-after': String(faults.retryAfterSeconds) } : {}),
          });
          res.end(typeof payload === 'string' ? payload : JSON.stringify(payload));
        };
        if (url.pathname === '/_sim/faults' && req.method === 'POST')
          return record(200, Object.assign(faults, body));
        if (faults.slowMs) await new Promise((r) => setTimeout(r, faults.slowMs));
        const once = faults.once.shift();
        const roll = rnd();
        if (once === 'timeout' || (!once && roll < faults.rateTimeout)) {
          setTimeout(() => req.socket.destroy(), faults.hangMs).unref();
          return;
        }
        if (
          once === '500' ||
          once === '503' ||
          (!once && roll < faults.rateTimeout + faults.rate5xx)
        )
          return record(once === '503' ? 503 : 500, 'internal error');
        if (
          once === '429' ||
          (!once && roll < faults.rateTimeout + faults.rate5xx + faults.rate429)
        )
          return record(429, 'slow down');
        if (once === 'bad-json') return record(200, '{"errcode": "0000", "data": ');
        if (once === '1300' && url.pathname !== '/base/oauth/token')
          return record(200, envelope('1300', 'access_token expired'));
        if (once === '9999') return record(200, envelope('9999', 'internal error'));
        if (!chunks.length && req.method === 'POST')
          return record(200, envelope('1001', 'body must be JSON'));
        const [status, payload] = route(url.pathname, query, body);
        record(status, payload);
      })();
    });
  });
  server.keepAliveTimeout = 5000;
  await new Promise<void>((resolve) => server.listen(opts.port ?? 0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;

  const sim: Simulator = {
    url: `http://127.0.0.1:${port}`,
    faults,
    calls,
    bills,
    org: (taxNo) => {
      const o = orgs.get(taxNo);
      if (!o) throw new Error(`simulator: no org ${taxNo}`);
      return o;
    },
    mutate,
    add: (taxNo, kind, records) => {
      const ledger = sim.org(taxNo).ledgers[kind];
      ledger.push(...records);
      ledger.sort(compareLedger);
    },
    remove: (taxNo, kind, serialNo) => {
      const ledger = sim.org(taxNo).ledgers[kind];
      const i = ledger.findIndex((r) => r.serialNo === serialNo);
      if (i >= 0) ledger.splice(i, 1);
    },
    expireTokens: () => tokens.clear(),
    setFaults: (f) => Object.assign(faults, { ...NO_FAULTS, ...f }),
    stop: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return sim;
};

/** The first index whose record fails `before` (the ledger is sorted, so `before` holds for a prefix). */
const partitionPoint = (ledger: CloudInvoice[], before: (r: CloudInvoice) => boolean): number => {
  let lo = 0;
  let hi = ledger.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (before(ledger[mid]!)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
};
const upperBound = (ledger: CloudInvoice[], r: CloudInvoice) =>
  partitionPoint(ledger, (x) => compareLedger(x, r) <= 0);
const lowerBoundTime = (ledger: CloudInvoice[], t: string) =>
  partitionPoint(ledger, (x) => x.updateTime < t);
const upperBoundTime = (ledger: CloudInvoice[], t: string) =>
  partitionPoint(ledger, (x) => x.updateTime <= t);
