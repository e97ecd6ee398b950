/**
 * The limiter toward the invoice cloud: before each cloud request (every attempt, retries too) one
 * token from the clientId's bucket and one from the global bucket, both shared by every instance
 * through a `BucketStore` (DynamoDB in AWS). Each instance leases small blocks of tokens, spent
 * within `leaseMs`, so a call does not cost a write; a throttling answer lowers both buckets' rates
 * for everyone (AIMD, rules in rate-limit.ts).
 */
import { logger } from '../../logger.js';
import {
  applyTake,
  decreased,
  freshBucket,
  increased,
  leaseSize,
  planTake,
  type BucketLimits,
  type BucketState,
  type CloudLimits,
  type TakePlan,
} from './rate-limit.js';

export type TakeWrite = Extract<TakePlan, { tokens: number }>;
/** A write's outcome: `ok`, and the bucket as it now is (undefined: no item yet). */
export interface BucketWrite {
  ok: boolean;
  state: BucketState | undefined;
}
/** Shared buckets: every write is conditional on the state the caller planned from. */
export interface BucketStore {
  /** `idle`: tat ≤ now and the rate seen; `add`: now < tat ≤ maxTat and the rate seen. */
  take(key: string, plan: TakeWrite, now: number): Promise<BucketWrite>;
  /** The rate, if it is still `seen.rate`; `throttleAt` marks a decrease. */
  setRate(
    key: string,
    seen: BucketState,
    change: { rate: number; now: number; throttleAt?: number },
  ): Promise<BucketWrite>;
}

/** What the transport asks of a limiter. */
export interface CloudLimiter {
  /** Waits for the tokens of one request; throws `RateLimitWait` if that passes `deadline`. */
  acquire(clientId: string | undefined, deadline: number): Promise<void>;
  /** A throttling answer (429, 1307, 1429) for this client: slow the buckets down. */
  throttled(clientId: string | undefined): Promise<void>;
}

/** A token would come only after the request's deadline. */
export class RateLimitWait extends Error {
  constructor(readonly waitMs: number) {
    super(
      `rate limit toward the invoice cloud: next token in ${waitMs} ms, past the call's budget`,
    );
    this.name = 'RateLimitWait';
  }
}

interface Slot {
  seen: BucketState | undefined;
  tokens: number;
  leaseUntil: number;
  lock: Promise<unknown>;
}
export interface LimiterStats {
  writes: number;
  lost: number;
  waits: number;
  waitedMs: number;
  decreases: number;
  increases: number;
}

/** A limiter over `store` with `limits`; `now`/`sleep` are injectable (tests use a fake clock). */
export const createLimiter = (o: {
  store: BucketStore;
  limits: CloudLimits;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}): CloudLimiter & { stats: LimiterStats } => {
  const now = o.now ?? Date.now;
  const sleep = o.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const slots = new Map<string, Slot>();
  const stats: LimiterStats = {
    writes: 0,
    lost: 0,
    waits: 0,
    waitedMs: 0,
    decreases: 0,
    increases: 0,
  };
  const slot = (key: string): Slot => {
    let s = slots.get(key);
    if (!s)
      slots.set(key, (s = { seen: undefined, tokens: 0, leaseUntil: 0, lock: Promise.resolve() }));
    return s;
  };
  /** Runs `fn` after the slot's previous holder (one lease at a time per bucket and instance). */
  const locked = <T>(s: Slot, fn: () => Promise<T>): Promise<T> => {
    const run = s.lock.then(fn, fn);
    s.lock = run.catch(() => undefined);
    return run;
  };

  const takeOne = (key: string, l: BucketLimits, deadline: number) => {
    const s = slot(key);
    return locked(s, async () => {
      for (;;) {
        const t = now();
        if (s.tokens > 0 && t < s.leaseUntil) {
          s.tokens--;
          return;
        }
        s.tokens = 0;
        const seen = s.seen ?? freshBucket(l, t);
        const up = increased(seen, l, t);
        if (up !== undefined) {
          stats.writes++;
          const r = await o.store.setRate(key, seen, { rate: up, now: t });
          if (r.ok) stats.increases++;
          s.seen = r.state;
          continue;
        }
        const plan = planTake(seen, l, t, leaseSize(seen, l, o.limits.leaseMs));
        if (plan.kind === 'wait') {
          if (t + plan.ms > deadline) throw new RateLimitWait(plan.ms);
          stats.waits++;
          stats.waitedMs += plan.ms;
          await sleep(plan.ms);
          continue;
        }
        stats.writes++;
        const r = await o.store.take(key, plan, t);
        if (!r.ok) {
          stats.lost++;
          s.seen = r.state;
          continue;
        }
        s.seen = r.state ?? applyTake(seen, plan, t);
        s.tokens = plan.tokens - 1;
        s.leaseUntil = t + o.limits.leaseMs;
        return;
      }
    });
  };

  const slowDown = async (key: string, l: BucketLimits) => {
    const s = slot(key);
    s.tokens = 0; // leased tokens are dropped: the slower rate applies to the next request
    const t = now();
    const seen = s.seen ?? freshBucket(l, t);
    const rate = decreased(seen, l, t);
    if (rate === undefined) return;
    stats.writes++;
    const r = await o.store.setRate(key, seen, { rate, now: t, throttleAt: t });
    if (r.ok) stats.decreases++;
    // A lost condition: another instance changed the rate first; either way the next take reads it.
    s.seen = r.state;
  };

  return {
    stats,
    acquire: async (clientId, deadline) => {
      if (!clientId) return takeOne('global', o.limits.global, deadline);
      const key = `client#${clientId}`;
      await takeOne(key, o.limits.client, deadline);
      try {
        await takeOne('global', o.limits.global, deadline);
      } catch (e) {
        // No request goes out: the client's token goes back to its lease (while the lease holds).
        const s = slot(key);
        if (now() < s.leaseUntil) s.tokens++;
        throw e;
      }
    },
    throttled: async (clientId) => {
      try {
        if (clientId) await slowDown(`client#${clientId}`, o.limits.client);
        await slowDown('global', o.limits.global);
      } catch (e) {
        // Slowing down is advice: the call itself is retried with backoff anyway.
        logger.warn('rate limiter could not record a throttle', { error: (e as Error).message });
      }
    },
  };
};
