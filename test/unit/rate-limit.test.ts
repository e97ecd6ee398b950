/**
 * Rate limits toward the cloud on a fake clock: the token bucket's burst and refill, AIMD (halve on
 * a throttle once per cooldown, add a step after a quiet period, within floor and ceiling), leases
 * (one shared write per block of tokens, leftovers dropped after `leaseMs`), and the config.
 */
import { createLimiter, RateLimitWait, type BucketStore } from '#shared/adapters/cloud/limiter.js';
import {
  cloudLimits,
  parseLimitsJson,
  planTake,
  freshBucket,
} from '#shared/adapters/cloud/rate-limit.js';
import { memoryBucketStore } from '../support/memory-buckets.js';

const fakeClock = () => {
  const c = { t: 1_700_000_000_000 };
  return {
    c,
    now: () => c.t,
    sleep: async (ms: number) => {
      c.t += ms;
    },
  };
};
/** A limiter whose global bucket is `rps`/`burst` and whose client buckets are `client`. */
const setup = (o: { rps: number; burst: number; leaseMs?: number; client?: [number, number] }) => {
  const clock = fakeClock();
  const store = memoryBucketStore();
  const [clientRps, clientBurst] = o.client ?? [1000, 1000];
  const limits = cloudLimits({
    globalRps: o.rps,
    globalBurst: o.burst,
    clientRps,
    clientBurst,
    leaseMs: o.leaseMs ?? 1,
  });
  const limiter = createLimiter({ store, limits, now: clock.now, sleep: clock.sleep });
  return { clock, store, limits, limiter };
};
const FAR = Number.MAX_SAFE_INTEGER;

/** Grant times of `n` sequential acquisitions. */
const grants = async (s: ReturnType<typeof setup>, n: number, clientId?: string) => {
  const at: number[] = [];
  for (let i = 0; i < n; i++) {
    await s.limiter.acquire(clientId, FAR);
    at.push(s.clock.c.t);
  }
  return at;
};
/** Most grants in any window of `w` ms. */
const mostIn = (at: number[], w: number) =>
  Math.max(...at.map((a) => at.filter((b) => b >= a && b < a + w).length));

describe('token bucket', () => {
  it('gives the burst at once, then one token per 1/rate, never more in any window', async () => {
    const s = setup({ rps: 10, burst: 5 });
    const t0 = s.clock.c.t;
    const at = await grants(s, 105);
    expect(at.slice(0, 5).every((t) => t === t0)).toBe(true);
    expect(at[5]! - t0).toBe(100);
    // 100 tokens beyond the burst at 10/s: 10 s.
    expect(at[104]! - t0).toBe(10_000);
    for (const w of [100, 1000, 3000]) expect(mostIn(at, w)).toBeLessThanOrEqual(5 + w / 100);
  });

  it('refills while idle, up to the burst and no further', async () => {
    const s = setup({ rps: 10, burst: 5 });
    await grants(s, 20);
    s.clock.c.t += 60_000; // a minute idle: still only 5 at once
    const t1 = s.clock.c.t;
    const at = await grants(s, 7);
    expect(at.filter((t) => t === t1)).toHaveLength(5);
    expect(at[5]! - t1).toBe(100);
  });

  it('a wait beyond the deadline is refused with the wait, taking nothing', async () => {
    const s = setup({ rps: 2, burst: 1 });
    await s.limiter.acquire(undefined, FAR);
    const t = s.clock.c.t;
    await expect(s.limiter.acquire(undefined, t + 100)).rejects.toThrow(RateLimitWait);
    expect(s.clock.c.t).toBe(t);
    await s.limiter.acquire(undefined, t + 500);
    expect(s.clock.c.t).toBe(t + 500);
  });

  it('a client token taken before a refused global wait is not lost', async () => {
    const s = setup({ rps: 2, burst: 1, client: [1, 1] });
    await s.limiter.acquire(undefined, FAR); // the global token is spent for 500 ms
    const t = s.clock.c.t;

    await expect(s.limiter.acquire('a', t + 100)).rejects.toThrow(RateLimitWait);
    await s.limiter.acquire('a', t + 600);

    // Only the global wait: client a's one token (1/s) was given back, not spent.
    expect(s.clock.c.t).toBe(t + 500);
  });

  it('plans a wait until the next token when the burst is spent', () => {
    const l = cloudLimits({ globalRps: 4, globalBurst: 2 }).global;
    const now = 10_000;
    const full = planTake(freshBucket(l, now), l, now, 10);
    expect(full).toMatchObject({ kind: 'idle', tokens: 2, cost: 500 });
    const spent = { ...freshBucket(l, now), tat: now + 500 };
    expect(planTake(spent, l, now, 1)).toEqual({ kind: 'wait', ms: 250 });
    expect(planTake(spent, l, now + 250, 1)).toMatchObject({ kind: 'add', tokens: 1 });
  });

  it('a client bucket limits its client alone; the global bucket limits them all', async () => {
    const s = setup({ rps: 100, burst: 10, client: [5, 1] });
    const t0 = s.clock.c.t;
    await grants(s, 11, 'a');
    expect(s.clock.c.t - t0).toBe(2000); // client a: 5/s
    const t1 = s.clock.c.t;
    await grants(s, 1, 'b'); // another client is not held back by a's bucket
    expect(s.clock.c.t).toBe(t1);
  });
});

describe('AIMD', () => {
  const halves =
    'a throttle halves the client rate, takes a fifth off the global one, once per cooldown';
  it(halves, async () => {
    const s = setup({ rps: 100, burst: 10, client: [8, 4] });
    await grants(s, 1, 'a');
    await s.limiter.throttled('a');
    expect(s.store.items.get('client#a')!.rate).toBe(4);
    expect(s.store.items.get('global')!.rate).toBeCloseTo(80);
    await s.limiter.throttled('a'); // the same burst of throttles: no second decrease
    expect(s.store.items.get('client#a')!.rate).toBe(4);
    s.clock.c.t += s.limits.client.cooldownMs;
    await s.limiter.throttled('a');
    expect(s.store.items.get('client#a')!.rate).toBe(2);
  });

  it('the slower rate applies to the next tokens of every instance sharing it', async () => {
    const s = setup({ rps: 1000, burst: 1000, client: [10, 1] });
    const other = createLimiter({
      store: s.store,
      limits: s.limits,
      now: s.clock.now,
      sleep: s.clock.sleep,
    });
    await grants(s, 3, 'a');
    await s.limiter.throttled('a');
    const t = s.clock.c.t;
    await other.acquire('a', FAR);
    await other.acquire('a', FAR);
    // 5/s now: 200 ms per token for the instance that never saw the throttle.
    expect(s.clock.c.t - t).toBeGreaterThanOrEqual(200);
    expect(s.clock.c.t - t).toBeLessThanOrEqual(400);
  });

  it('never goes below the floor', async () => {
    const s = setup({ rps: 100, burst: 10, client: [8, 4] });
    await grants(s, 1, 'a');
    for (let i = 0; i < 20; i++) {
      await s.limiter.throttled('a');
      s.clock.c.t += s.limits.client.cooldownMs;
    }
    expect(s.store.items.get('client#a')!.rate).toBe(s.limits.client.minRps);
  });

  it('grows back by a step per quiet period, up to the ceiling and no further', async () => {
    const s = setup({ rps: 100, burst: 10, client: [8, 4] });
    const l = s.limits.client;
    await grants(s, 1, 'a');
    await s.limiter.throttled('a');
    const rates: number[] = [];
    for (let i = 0; i < 8; i++) {
      s.clock.c.t += l.quietMs;
      await grants(s, 1, 'a');
      rates.push(s.store.items.get('client#a')!.rate);
    }
    expect(rates.slice(0, 3)).toEqual(
      [4 + l.increaseRps, 4 + 2 * l.increaseRps, 4 + 3 * l.increaseRps].map((r) =>
        expect.closeTo(r, 6),
      ),
    );
    expect(Math.max(...rates)).toBe(8);
    expect(rates.at(-1)).toBe(8);
  });

  it('does not grow within the quiet period after a throttle', async () => {
    const s = setup({ rps: 100, burst: 10, client: [8, 4] });
    await grants(s, 1, 'a');
    await s.limiter.throttled('a');
    s.clock.c.t += s.limits.client.quietMs - 1;
    await grants(s, 1, 'a');
    expect(s.store.items.get('client#a')!.rate).toBe(4);
  });
});

describe('leases', () => {
  /** The store with its writes counted. */
  const counted = (store: BucketStore) => {
    const n = { takes: 0 };
    return {
      n,
      store: {
        ...store,
        take: (...a: Parameters<BucketStore['take']>) => (n.takes++, store.take(...a)),
      },
    };
  };

  const block =
    'one shared write per block of tokens: what the rate gives in leaseMs, within burst';
  it(block, async () => {
    const clock = fakeClock();
    const { n, store } = counted(memoryBucketStore());
    const limits = cloudLimits({ globalRps: 50, globalBurst: 20, leaseMs: 200 });
    const limiter = createLimiter({ store, limits, now: clock.now, sleep: clock.sleep });
    for (let i = 0; i < 10; i++) await limiter.acquire(undefined, FAR);
    expect(n.takes).toBe(1); // 50/s × 200 ms = a block of 10
    await limiter.acquire(undefined, FAR);
    expect(n.takes).toBe(2);
  });

  it('leased tokens not spent within leaseMs are dropped, never spent late', async () => {
    const clock = fakeClock();
    const { n, store } = counted(memoryBucketStore());
    const limits = cloudLimits({ globalRps: 50, globalBurst: 20, leaseMs: 200 });
    const limiter = createLimiter({ store, limits, now: clock.now, sleep: clock.sleep });
    await limiter.acquire(undefined, FAR); // leases 10, spends 1
    clock.c.t += 200;
    await limiter.acquire(undefined, FAR);
    expect(n.takes).toBe(2);
  });

  it('a throttle drops the leased tokens at once', async () => {
    const clock = fakeClock();
    const { n, store } = counted(memoryBucketStore());
    const limits = cloudLimits({ globalRps: 50, globalBurst: 20, leaseMs: 200 });
    const limiter = createLimiter({ store, limits, now: clock.now, sleep: clock.sleep });
    await limiter.acquire(undefined, FAR);
    await limiter.throttled(undefined);
    await limiter.acquire(undefined, FAR);
    expect(n.takes).toBe(2);
  });
});

describe('configuration', () => {
  it('reads CLOUD_RATE_LIMITS, naming a bad key or value', () => {
    const l = parseLimitsJson('{"clientRps": 3, "globalBurst": 7}');
    expect(l.client.rps).toBe(3);
    expect(l.global.burst).toBe(7);
    expect(() => parseLimitsJson('{"clientQps": 3}')).toThrow('unknown key clientQps');
    expect(() => parseLimitsJson('{"globalRps": 0}')).toThrow('globalRps must be > 0');
    expect(parseLimitsJson(undefined).client.rps).toBeGreaterThan(0);
  });
});
