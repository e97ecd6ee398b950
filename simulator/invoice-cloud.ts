/**
 * The invoice-cloud simulator: an HTTP server on loopback that serves INVOICE_CLOUD_API.md v2
 * faithfully (the signed token + expiry, paging and date filters, the body-signed bill calls,
 * invoices of a bill and invoice details, the push channel's long poll with redelivery) over seeded
 * data, with injectable faults on every call. Used by the tests, the demo and `npm start`.
 */
import { CLOUD_PATHS, CODES, WIRE } from '#shared/adapters/cloud/contract.js';
import type { CloudInvoice, Kind } from '#shared/domain/schemas/cloud.js';
import { cstDateTime } from '#shared/domain/time/cst.js';
import {
  checkSigned,
  isReply,
  linkKeyHash,
  tokenCall,
  tokenOrg,
  type Reply,
  type SimToken,
} from './auth.js';
import { billKey, handleSigned, SIGNED_PATHS, type SimBill } from './bills.js';
import { compareLedger, generateLedger, prng } from './data.js';
import { envelope, NO_FAULTS, startHttp, type Faults, type SimCall } from './http.js';
import { listPage, upperBound } from './ledger.js';
import { createPushQueues, type PushOptions, type SimPushMessage } from './push.js';
import {
  createGate,
  emptyTraffic,
  identifyBy,
  NO_LIMITS,
  type SimLimits,
  type SimTraffic,
} from './limits.js';

export { billKey, type SimBill } from './bills.js';
export { NO_FAULTS, type Faults, type SimCall } from './http.js';
export { NO_LIMITS, type SimLimits, type SimTraffic } from './limits.js';
export interface SimOrgSpec {
  taxNo: string;
  orgName: string;
  clientId: string;
  clientSecret: string;
  /** The org's push-channel link key (default `link-<clientId>`); polls send its MD5 as `key`. */
  linkKey?: string;
  input?: number;
  output?: number;
  phones?: string[];
}
export const DEFAULT_PUSH: PushOptions = { holdMs: 25000, redeliverMs: 0 };

interface SimOrg extends SimOrgSpec {
  linkKey: string;
  ledgers: Record<Kind, CloudInvoice[]>;
}
export interface Simulator {
  url: string;
  faults: Faults;
  calls: SimCall[];
  /** Bills keyed by `billKey(tin, bxd_key)`. */
  bills: Map<string, SimBill>;
  bill(taxNo: string, billId: string): SimBill | undefined;
  /** Requests being served now, and the most at once since `peak` was last reset. */
  concurrency: { now: number; peak: number };
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
  /** Queue a push-channel message for the org; returns its msgId. */
  push(taxNo: string, serialNos: string[], invoiceTag?: string): string;
  /** The org's unacknowledged push messages. */
  pushed(taxNo: string): readonly SimPushMessage[];
  expireTokens(): void;
  setFaults(f: Partial<Faults>): void;
  /** Rate limits per clientId and in all (0: off); changed in place. */
  limits: SimLimits;
  /** Requests, violations of the limits and the busiest second since the last reset. */
  traffic: SimTraffic;
  resetTraffic(): void;
  stop(): Promise<void>;
}

const answer = ([code, description, data]: Reply): [number, unknown] => [
  200,
  envelope(code, description, data),
];
const GETS: ReadonlySet<string> = new Set([
  CLOUD_PATHS.pollToken,
  CLOUD_PATHS.poll,
  CLOUD_PATHS.ack,
]);

export const startSimulator = async (opts: {
  orgs: SimOrgSpec[];
  seed?: number;
  endDate: string;
  days?: number;
  tokenTtlSeconds?: number;
  port?: number;
  push?: Partial<PushOptions>;
  limits?: Partial<SimLimits>;
}): Promise<Simulator> => {
  const seed = opts.seed ?? 42;
  const rnd = prng(seed ^ 0x5eed);
  const ttlSeconds = opts.tokenTtlSeconds ?? 129600;
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
      linkKey: o.linkKey ?? `link-${o.clientId}`,
      ledgers: { input: gen('input', o.input ?? 0), output: gen('output', o.output ?? 0) },
    });
  }
  const tokens = new Map<string, SimToken>();
  const pollTokens = new Map<string, SimToken>();
  const bills = new Map<string, SimBill>();
  const calls: SimCall[] = [];
  const faults: Faults = { ...NO_FAULTS };
  const pushes = createPushQueues({ ...DEFAULT_PUSH, ...opts.push });
  const concurrency = { now: 0, peak: 0 };
  const byClient = new Map([...orgs.values()].map((o) => [o.clientId, o]));
  const orgByClient = (clientId: string) => byClient.get(clientId);
  const limits: SimLimits = { ...NO_LIMITS, ...opts.limits };
  const traffic = emptyTraffic();
  const clientOfToken = (token: string) => {
    const taxNo = tokenOrg(tokens, token) ?? tokenOrg(pollTokens, token);
    return taxNo === undefined ? undefined : orgs.get(taxNo)?.clientId;
  };
  const gate = createGate(limits, traffic, identifyBy(clientOfToken));

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
  /** Records as served: those named in `malformedSerials` broken. */
  const serve = (records: CloudInvoice[]) =>
    records.map((r) =>
      faults.malformedSerials.includes(r.serialNo)
        ? { ...r, invoiceNo: 12345, totalAmount: 'lots' }
        : r,
    );

  const list = (org: SimOrg, kind: Kind, body: Record<string, unknown>): Reply => {
    const [code, description, data] = listPage(org.ledgers[kind], body);
    if (code !== CODES.ok) return [code, description];
    const page = data as { list: CloudInvoice[] };
    const result: Reply = [code, description, { ...page, list: serve(page.list) }];
    const ledger = org.ledgers[kind];
    for (let k = 0; k < faults.mutateBetweenPages && ledger.length; k++) {
      const victim = ledger[Math.floor(rnd() * ledger.length)]!;
      mutate(org.taxNo, kind, victim.serialNo, {
        invoiceTag: `changed-${Math.floor(rnd() * 1e6)}`,
      });
    }
    return result;
  };

  /** The push channel: polling token (signed query), long poll and ack (polling token + key). */
  const pushChannel = async (
    path: string,
    query: Record<string, string>,
  ): Promise<[number, unknown]> => {
    if (path === CLOUD_PATHS.pollToken)
      return [
        200,
        tokenCall(query, orgByClient, { withTin: true, tokens: pollTokens, ttlSeconds }),
      ];
    const taxNo = tokenOrg(pollTokens, query[WIRE.accessToken]);
    if (!taxNo)
      return answer([CODES.tokenInvalid, 'polling access_token missing, expired or invalid']);
    const org = sim.org(taxNo);
    if (query[WIRE.linkKey] !== linkKeyHash(org.linkKey))
      return answer([CODES.badRequest, "key does not match the org's link key"]);
    if (faults.outageTaxNos.includes(taxNo)) return [503, 'service unavailable'];
    if (path === CLOUD_PATHS.poll) return answer(await pushes.poll(taxNo));
    return answer(pushes.ack(taxNo, query[WIRE.msgId]));
  };

  const route = async (
    method: string,
    path: string,
    query: Record<string, string>,
    body: Record<string, unknown>,
  ): Promise<[number, unknown]> => {
    if ((method === 'GET') !== GETS.has(path))
      return [405, envelope(CODES.badRequest, `${method} is not allowed on ${path}`)];
    if (path === CLOUD_PATHS.token)
      return [200, tokenCall(body, orgByClient, { withTin: false, tokens, ttlSeconds })];
    if (GETS.has(path)) return pushChannel(path, query);
    if (SIGNED_PATHS.has(path)) {
      const who = checkSigned(body, orgByClient, true);
      if (isReply(who)) return answer(who);
      if (faults.outageTaxNos.includes(who.taxNo)) return [503, 'service unavailable'];
      const touch = (serial: string, patch: Partial<CloudInvoice>) =>
        mutate(who.taxNo, 'input', serial, patch);
      const [code, description, data] = handleSigned(path, { body, org: who, bills, touch })!;
      return answer([
        code,
        description,
        Array.isArray(data) ? serve(data as CloudInvoice[]) : data,
      ]);
    }
    const taxNo = tokenOrg(tokens, query[WIRE.accessToken]);
    if (!taxNo) return answer([CODES.tokenInvalid, 'access_token missing, expired or invalid']);
    const reqid = query[WIRE.reqid];
    if (!reqid || reqid.length < 13)
      return answer([CODES.badRequest, 'reqid is required (≥ 13 characters)']);
    const org = sim.org(taxNo);
    if (query[WIRE.taxNo] !== org.taxNo)
      return answer([CODES.badRequest, 'taxNo does not belong to this client']);
    if (faults.outageTaxNos.includes(org.taxNo)) return [503, 'service unavailable'];
    const kind = (['input', 'output'] as const).find((k) => path === CLOUD_PATHS.list(k));
    if (kind) return answer(list(org, kind, body));
    return [404, envelope(CODES.notFound, `no such endpoint ${path}`)];
  };

  const http = await startHttp({
    port: opts.port,
    faults,
    rnd,
    calls,
    concurrency,
    route,
    gate: { check: gate.check, answer: () => limits.answer },
  });

  const sim: Simulator = {
    url: http.url,
    faults,
    calls,
    bills,
    bill: (taxNo, billId) => bills.get(billKey(taxNo, billId)),
    concurrency,
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
    push: (taxNo, serialNos, invoiceTag) => {
      sim.org(taxNo);
      return pushes.push(taxNo, serialNos, invoiceTag);
    },
    pushed: (taxNo) => pushes.messages(taxNo),
    expireTokens: () => {
      tokens.clear();
      pollTokens.clear();
    },
    setFaults: (f) => Object.assign(faults, { ...NO_FAULTS, ...f }),
    limits,
    traffic,
    resetTraffic: () => Object.assign(traffic, emptyTraffic()),
    stop: () => {
      pushes.close();
      return http.stop();
    },
  };
  return sim;
};
