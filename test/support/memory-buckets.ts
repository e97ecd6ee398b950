import { type BucketState, applyTake } from '#shared/adapters/cloud/rate-limit.js';
import type { BucketStore } from '#shared/adapters/cloud/limiter.js';

/** Buckets in one process, for tests: the same conditions as the DynamoDB store. */
export const memoryBucketStore = (): BucketStore & { items: Map<string, BucketState> } => {
  const items = new Map<string, BucketState>();
  return {
    items,
    take: async (key, plan, t) => {
      const cur = items.get(key);
      const ok =
        plan.kind === 'idle'
          ? !cur || (cur.tat <= t && cur.rate === plan.rate)
          : !!cur && cur.tat > t && cur.tat <= plan.maxTat && cur.rate === plan.rate;
      if (!ok) return { ok, state: cur && { ...cur } };
      const base = cur ?? { tat: 0, rate: plan.rate, lastThrottleAt: 0, lastChangeAt: t };
      const next = applyTake(base, plan, t);
      items.set(key, next);
      return { ok, state: { ...next } };
    },
    setRate: async (key, seen, c) => {
      const cur = items.get(key) ?? { ...seen, tat: 0 };
      if (cur.rate !== seen.rate) return { ok: false, state: { ...cur } };
      const next = {
        ...cur,
        rate: c.rate,
        lastChangeAt: c.now,
        ...(c.throttleAt !== undefined ? { lastThrottleAt: c.throttleAt } : {}),
      };
      items.set(key, next);
      return { ok: true, state: { ...next } };
    },
  };
};
