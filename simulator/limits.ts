/**
 * The simulated cloud's rate limits: a token bucket per clientId and a global one (rate per second
 * with a burst), as a vendor gateway enforces them. A request finding either bucket empty is a
 * violation: counted (per limit and per client) and answered HTTP 429 + `Retry-After` or the
 * envelope `1429`, without reaching the routes. 0 turns a limit off.
 */
import { WIRE } from '#shared/adapters/cloud/contract.js';

export interface SimLimits {
  clientRps: number;
  clientBurst: number;
  globalRps: number;
  globalBurst: number;
  /** How a request beyond a limit is answered. */
  answer: '429' | '1429';
}
export const NO_LIMITS: SimLimits = {
  clientRps: 0,
  clientBurst: 0,
  globalRps: 0,
  globalBurst: 0,
  answer: '429',
};

/** What the limits saw: every request, the violations, the busiest second. */
export interface SimTraffic {
  requests: number;
  violations: { total: number; client: number; global: number; byClient: Record<string, number> };
  /** Most requests in one wall-clock second, in all and for one client. */
  peakPerSecond: { global: number; client: number };
  firstAt: number;
  lastAt: number;
}
export const emptyTraffic = (): SimTraffic => ({
  requests: 0,
  violations: { total: 0, client: 0, global: 0, byClient: {} },
  peakPerSecond: { global: 0, client: 0 },
  firstAt: 0,
  lastAt: 0,
});

interface Bucket {
  tokens: number;
  at: number;
}
/** Refills `b` to `now` at `rps` up to `burst`; true (and one token spent) when one is there. */
const spend = (b: Bucket, rps: number, burst: number, now: number): boolean => {
  b.tokens = Math.min(burst, b.tokens + ((now - b.at) * rps) / 1000);
  b.at = now;
  if (b.tokens < 1) return false;
  b.tokens -= 1;
  return true;
};

/** The clientId a request speaks for: in the body or query, or behind its access token. */
export type Identify = (query: Record<string, string>, body: Record<string, unknown>) => string;
export const identifyBy =
  (clientOfToken: (token: string) => string | undefined): Identify =>
  (query, body) => {
    const direct = body[WIRE.clientId] ?? query[WIRE.clientId];
    if (typeof direct === 'string' && direct) return direct;
    return clientOfToken(query[WIRE.accessToken] ?? '') ?? '';
  };

/**
 * The gate: `check` answers which limit a request breaks ('client' | 'global'), or undefined, and
 * records the traffic. Limits and counters are mutable (tests change them between phases).
 */
export const createGate = (limits: SimLimits, traffic: SimTraffic, identify: Identify) => {
  const clients = new Map<string, Bucket>();
  const global: Bucket = { tokens: Number.POSITIVE_INFINITY, at: 0 };
  const second = { at: -1, global: 0, byClient: new Map<string, number>() };
  const count = (clientId: string, now: number) => {
    const s = Math.floor(now / 1000);
    if (s !== second.at) Object.assign(second, { at: s, global: 0, byClient: new Map() });
    second.global++;
    const n = (second.byClient.get(clientId) ?? 0) + 1;
    second.byClient.set(clientId, n);
    const peak = traffic.peakPerSecond;
    peak.global = Math.max(peak.global, second.global);
    if (clientId) peak.client = Math.max(peak.client, n);
  };
  return {
    check: (query: Record<string, string>, body: Record<string, unknown>, now = Date.now()) => {
      const clientId = identify(query, body);
      traffic.requests++;
      traffic.firstAt ||= now;
      traffic.lastAt = now;
      count(clientId, now);
      let broke: 'client' | 'global' | undefined;
      if (limits.clientRps > 0 && clientId) {
        let b = clients.get(clientId);
        if (!b) clients.set(clientId, (b = { tokens: limits.clientBurst, at: now }));
        if (!spend(b, limits.clientRps, limits.clientBurst, now)) broke = 'client';
      }
      if (!broke && limits.globalRps > 0) {
        if (global.tokens === Number.POSITIVE_INFINITY)
          Object.assign(global, { tokens: limits.globalBurst, at: now });
        if (!spend(global, limits.globalRps, limits.globalBurst, now)) broke = 'global';
      }
      if (broke) {
        const v = traffic.violations;
        v.total++;
        v[broke]++;
        if (clientId) v.byClient[clientId] = (v.byClient[clientId] ?? 0) + 1;
      }
      return broke;
    },
  };
};
