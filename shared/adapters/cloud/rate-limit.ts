/**
 * Rate limits toward the invoice cloud, as plain rules over a bucket's state (no I/O, no clock):
 * a token bucket kept as a theoretical arrival time (GCRA), so taking tokens is one conditional
 * write, and AIMD on the bucket's rate (halve on a throttling answer, add a step after a quiet
 * period, within a floor and a ceiling). The limiter (limiter.ts) applies them to shared buckets.
 */

/** One bucket's limits. Rates in requests per second. */
export interface BucketLimits {
  /** Ceiling: the rate the bucket starts at and returns to (the configured limit). */
  rps: number;
  /** Tokens that may be spent at once after an idle period. */
  burst: number;
  /** Floor of the AIMD rate. */
  minRps: number;
  /** Multiplicative decrease on a throttling answer (0.5 halves the rate). */
  decrease: number;
  /** Additive increase, requests per second, after each quiet period. */
  increaseRps: number;
  /** Time without a throttle before the rate grows again, and between two increases. */
  quietMs: number;
  /** Throttles within this time of the last decrease do not decrease again (one per burst). */
  cooldownMs: number;
}

/** The configured limits: one bucket per clientId and one global bucket toward the cloud. */
export interface CloudLimits {
  client: BucketLimits;
  global: BucketLimits;
  /** How long tokens leased into an instance's cache may be spent (then they are dropped). */
  leaseMs: number;
}

const bucket = (rps: number, burst: number, decrease: number): BucketLimits => ({
  rps,
  burst,
  minRps: Math.max(0.1, rps / 20),
  decrease,
  increaseRps: Math.max(0.1, rps / 10),
  quietMs: 10_000,
  cooldownMs: 1_000,
});
/**
 * The cloud does not say which limit a 429 hit: a client's bucket halves, the global one gives up
 * a fifth (one org's throttle does not halve the fleet; throttles of many orgs add up).
 */
const CLIENT_DECREASE = 0.5;
const GLOBAL_DECREASE = 0.8;

/**
 * Defaults below the limits the vendor is assumed to enforce (10/s per client, 200/s in all; see
 * docs/scale.md): rate at 80 %, burst small, so network jitter and leases never cross them.
 */
const DEFAULT_CLOUD_LIMITS: CloudLimits = {
  client: bucket(8, 4, CLIENT_DECREASE),
  global: bucket(160, 40, GLOBAL_DECREASE),
  leaseMs: 200,
};

/** The limits from `{clientRps, clientBurst, globalRps, globalBurst, leaseMs}` (env or config). */
export const cloudLimits = (o: Partial<Record<LimitKnob, number>> = {}): CloudLimits => {
  const d = DEFAULT_CLOUD_LIMITS;
  return {
    client: bucket(o.clientRps ?? d.client.rps, o.clientBurst ?? d.client.burst, CLIENT_DECREASE),
    global: bucket(o.globalRps ?? d.global.rps, o.globalBurst ?? d.global.burst, GLOBAL_DECREASE),
    leaseMs: o.leaseMs ?? d.leaseMs,
  };
};
export type LimitKnob = 'clientRps' | 'clientBurst' | 'globalRps' | 'globalBurst' | 'leaseMs';
const KNOBS: readonly LimitKnob[] = [
  'clientRps',
  'clientBurst',
  'globalRps',
  'globalBurst',
  'leaseMs',
];

/**
 * `CLOUD_RATE_LIMITS` (JSON with the knobs above, each a positive number) → limits; an unknown key
 * or a bad value is a deployment error that names it.
 */
export const parseLimitsJson = (json: string | undefined): CloudLimits => {
  if (!json) return DEFAULT_CLOUD_LIMITS;
  const raw = JSON.parse(json) as Record<string, unknown>;
  const out: Partial<Record<LimitKnob, number>> = {};
  for (const [k, v] of Object.entries(raw)) {
    if (!KNOBS.includes(k as LimitKnob)) throw new Error(`CLOUD_RATE_LIMITS: unknown key ${k}`);
    if (typeof v !== 'number' || !(v > 0)) throw new Error(`CLOUD_RATE_LIMITS: ${k} must be > 0`);
    out[k as LimitKnob] = v;
  }
  return cloudLimits(out);
};

/** A bucket as stored: epoch ms, requests per second. */
export interface BucketState {
  /** Theoretical arrival time: when the bucket is full again (≤ now: idle, full burst). */
  tat: number;
  /** The current AIMD rate. */
  rate: number;
  lastThrottleAt: number;
  /** Last change of the rate (decrease or increase). */
  lastChangeAt: number;
}

/** The rate in force: the stored AIMD rate within the configured floor and ceiling. */
const effectiveRate = (s: BucketState, l: BucketLimits) =>
  Math.min(l.rps, Math.max(l.minRps, s.rate));

/** A fresh bucket: full, at its ceiling. */
export const freshBucket = (l: BucketLimits, now: number): BucketState => ({
  tat: 0,
  rate: l.rps,
  lastThrottleAt: 0,
  lastChangeAt: now,
});

/** How to take tokens from a bucket: one conditional write, or a wait before trying again. */
export type TakePlan =
  | {
      /** `idle`: tat ≤ now, set tat = now + cost; `add`: tat > now, add cost to tat. */
      kind: 'idle' | 'add';
      tokens: number;
      /** ms of rate the tokens cost. */
      cost: number;
      /** The condition of `add`: tat must still be ≤ this. */
      maxTat: number;
      /** The condition of both: the rate seen. */
      rate: number;
    }
  | { kind: 'wait'; ms: number };

/**
 * Up to `want` tokens (at least one) from bucket `s` at `now`: as many as its burst allows now, or
 * the wait until one is free.
 */
export const planTake = (s: BucketState, l: BucketLimits, now: number, want: number): TakePlan => {
  const interval = 1000 / effectiveRate(s, l);
  const tolerance = l.burst * interval;
  const start = Math.max(s.tat, now);
  const free = Math.floor((now + tolerance - start) / interval + 1e-9);
  if (free < 1) return { kind: 'wait', ms: Math.ceil(start + interval - tolerance - now) };
  const tokens = Math.min(free, Math.max(1, Math.floor(want)));
  const cost = tokens * interval;
  const kind = s.tat <= now ? 'idle' : 'add';
  return { kind, tokens, cost, maxTat: now + tolerance - cost, rate: s.rate };
};

/** The bucket after a take that succeeded as planned. */
export const applyTake = (
  s: BucketState,
  plan: Extract<TakePlan, { tokens: number }>,
  now: number,
) =>
  ({ ...s, tat: plan.kind === 'idle' ? now + plan.cost : s.tat + plan.cost }) satisfies BucketState;

/**
 * AIMD, multiplicative decrease: the rate after a throttling answer at `now`, or undefined when a
 * decrease happened within the cooldown (many throttles of one burst count once) or at the floor.
 */
export const decreased = (s: BucketState, l: BucketLimits, now: number): number | undefined => {
  if (now - s.lastThrottleAt < l.cooldownMs) return undefined;
  const rate = Math.max(l.minRps, effectiveRate(s, l) * l.decrease);
  return rate < s.rate ? rate : undefined;
};

/**
 * AIMD, additive increase: the rate after a quiet period (no throttle and no change for
 * `quietMs`), or undefined when it is not due or already at the ceiling.
 */
export const increased = (s: BucketState, l: BucketLimits, now: number): number | undefined => {
  if (s.rate >= l.rps) return undefined;
  if (now - s.lastThrottleAt < l.quietMs || now - s.lastChangeAt < l.quietMs) return undefined;
  return Math.min(l.rps, s.rate + l.increaseRps);
};

/** The tokens a lease asks for: what the rate gives in `leaseMs`, within 1 and the burst. */
export const leaseSize = (s: BucketState, l: BucketLimits, leaseMs: number) =>
  Math.max(1, Math.min(l.burst, Math.floor((effectiveRate(s, l) * leaseMs) / 1000)));
