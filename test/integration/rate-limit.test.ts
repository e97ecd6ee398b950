/**
 * Rate limits toward the cloud on DynamoDB Local and the simulator over loopback HTTP: two
 * instances sharing one bucket stay within it together (the simulator, enforcing the same limit,
 * counts no violation), a throttling simulator halves the shared rate, and the transport takes a
 * token before every attempt and reports every throttling answer.
 */
import { randomBytes } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { createCloudClient, CloudError, type CloudClient } from '#shared/adapters/cloud/client.js';
import { createLimiter, RateLimitWait, type CloudLimiter } from '#shared/adapters/cloud/limiter.js';
import { cloudLimits, type CloudLimits } from '#shared/adapters/cloud/rate-limit.js';
import { makeBucketStore } from '#shared/adapters/dynamo/bucket-store.js';
import { createTables } from '#shared/adapters/dynamo/create-tables.js';
import { createDocClient } from '#shared/adapters/dynamo/dynamo.js';
import { localTableNames, type TableNames } from '#shared/adapters/dynamo/tables.js';
import { localClientConfig } from '#local/dynamo-local.js';
import { startSimulator, type Simulator } from '#simulator/invoice-cloud.js';
import { ORGS } from '../support/harness.js';
import { memoryBucketStore } from '../support/memory-buckets.js';

const endpoint = process.env.DYNAMO_ENDPOINT!;
const org = ORGS[0]!;
const auth = { clientId: org.clientId, clientSecret: org.clientSecret, taxNo: org.taxNo };
const fast = { baseDelayMs: 20, maxDelayMs: 200, budgetMs: 20_000, timeoutMs: 2000 };

let tables: TableNames;
let raw: DynamoDBClient;
let reader: ReturnType<typeof createDocClient>;
beforeAll(async () => {
  raw = new DynamoDBClient(localClientConfig(endpoint));
  reader = createDocClient(localClientConfig(endpoint));
  tables = localTableNames(`rl-${randomBytes(3).toString('hex')}`);
  await createTables(raw, tables);
});
afterAll(() => {
  raw.destroy();
  reader.destroy();
});

/** One "instance": its own document client, limiter (lease cache) and cloud client. */
const instance = (sim: Simulator, limits: CloudLimits) => {
  const limiter = createLimiter({
    store: makeBucketStore(createDocClient(localClientConfig(endpoint)), tables.rateLimits),
    limits,
  });
  const client = createCloudClient({ baseUrl: sim.url, retry: fast, limiter });
  return { limiter, client };
};
/** `n` pages of the org's input list, one after another. */
const pages = async (c: CloudClient, n: number) => {
  for (let i = 0; i < n; i++)
    await c.listInvoices(auth, 'input', { pageNo: (i % 5) + 1, pageSize: 10 });
};
/** Pages of the org's input list, one after another, until `until`. */
const pageAway = async (c: CloudClient, until: number) => {
  let pages = 0;
  while (Date.now() < until)
    await c.listInvoices(auth, 'input', { pageNo: (pages++ % 5) + 1, pageSize: 10 });
  return pages;
};
const bucket = async (key: string) =>
  (
    await reader.send(
      new GetCommand({ TableName: tables.rateLimits, Key: { pk: `bucket#${key}`, sk: '#' } }),
    )
  ).Item;

describe('the bucket store', () => {
  it('a lost condition answers the bucket as the refused write saw it, in one call', async () => {
    const db = createDocClient(localClientConfig(endpoint));
    const sent: string[] = [];
    db.middlewareStack.add(
      (next, context) => (args) => {
        sent.push(String(context.commandName));
        return next(args);
      },
      { step: 'initialize' },
    );
    const store = makeBucketStore(db, tables.rateLimits);
    const now = Date.now();
    const plan = { kind: 'idle' as const, tokens: 1, cost: 125, maxTat: now + 1000, rate: 8 };

    const first = await store.take('client#rvoccf', plan, now);
    sent.length = 0;
    const second = await store.take('client#rvoccf', plan, now);

    expect(first).toMatchObject({ ok: true, state: { tat: now + 125, rate: 8 } });
    expect(second).toEqual({ ok: false, state: first.state });
    expect(sent).toEqual(['UpdateItemCommand']);
    db.destroy();
  });
});

/** The simulator with the org's 60 input invoices, enforcing `limits` on the client. */
const limitedSim = (limits: Parameters<typeof startSimulator>[0]['limits']) =>
  startSimulator({ orgs: [{ ...org, input: 60 }], endDate: '2024-07-22', days: 5, limits });
/** The product's limits in the sharing tests: 6/s (burst 2) per client. */
const SIX_PER_SECOND = cloudLimits({ clientRps: 6, clientBurst: 2, leaseMs: 100, globalRps: 1000 });

describe('shared rate-limit buckets on DynamoDB Local', () => {
  let sim: Simulator;
  afterEach(() => sim.stop());

  it('two instances sharing one client bucket never exceed it together', async () => {
    // The cloud allows 8/s (burst 3) for the client; the product is configured below (6/s, 2).
    sim = await limitedSim({ clientRps: 8, clientBurst: 3 });
    const limits = SIX_PER_SECOND;
    const [a, b] = [instance(sim, limits), instance(sim, limits)];
    const started = Date.now();
    await Promise.all([pages(a.client, 15), pages(b.client, 15)]);
    const secs = (Date.now() - started) / 1000;
    expect(sim.traffic.violations.total).toBe(0);
    // 32 requests (2 token calls) from one bucket of 6/s, burst 2: at least 5 s together
    // (each alone at 6/s would be done in under 3 s).
    expect(sim.traffic.requests).toBe(32);
    expect(secs).toBeGreaterThanOrEqual((32 - 2) / 6 - 0.1);
    expect(sim.traffic.peakPerSecond.client).toBeLessThanOrEqual(8);
  });

  const unshared = 'the same two instances with a bucket each exceed the cloud (the test can fail)';
  it(unshared, async () => {
    sim = await limitedSim({ clientRps: 8, clientBurst: 3 });
    const limits = SIX_PER_SECOND;
    // Each its own bucket: as if they were not shared.
    const own = () =>
      createCloudClient({
        baseUrl: sim.url,
        retry: fast,
        limiter: createLimiter({ store: memoryBucketStore(), limits }),
      });
    await Promise.all([pages(own(), 15), pages(own(), 15)]);
    expect(sim.traffic.violations.total).toBeGreaterThan(0);
  });

  it('a throttling cloud halves the shared rate, and the throttles stop', async () => {
    // The cloud allows 5/s for the client and answers 1429 beyond; the product believes 12/s.
    sim = await limitedSim({ clientRps: 5, clientBurst: 2, answer: '1429' });
    const limits = cloudLimits({ clientRps: 12, clientBurst: 2, leaseMs: 100, globalRps: 1000 });
    const a = instance(sim, limits);
    const started = Date.now();
    await pageAway(a.client, started + 2500);
    const item = await bucket(`client#${auth.clientId}`);
    expect(a.limiter.stats.decreases).toBeGreaterThan(0);
    // Halved (12 → 6), again after a cooldown if 6/s still throttles: at most 6, above the floor.
    expect(item!.rate).toBeLessThanOrEqual(6);
    expect(item!.rate).toBeGreaterThanOrEqual(limits.client.minRps);
    expect(item!.lastThrottleAt).toBeGreaterThan(started);
    // After the decrease the cloud sees no more throttled calls than before it.
    const early = sim.traffic.violations.total;
    sim.resetTraffic();
    await pageAway(a.client, Date.now() + 2000);
    expect(sim.traffic.violations.total).toBeLessThanOrEqual(Math.max(1, early / 2));
  });
});

describe('the transport with a limiter', () => {
  let sim: Simulator;
  beforeEach(async () => {
    sim = await startSimulator({ orgs: [{ ...org, input: 30 }], endDate: '2024-07-22', days: 5 });
  });
  afterEach(() => sim.stop());

  /** A fake limiter recording what the transport asks. */
  const fake = (refuse = false) => {
    const log: string[] = [];
    const limiter: CloudLimiter = {
      acquire: async (clientId) => {
        log.push(`acquire ${clientId}`);
        if (refuse) throw new RateLimitWait(60_000);
      },
      throttled: async (clientId) => {
        log.push(`throttled ${clientId}`);
      },
    };
    return { log, limiter };
  };

  it('takes a token before every attempt and reports 429 and 1307 as throttles', async () => {
    const f = fake();
    const c = createCloudClient({ baseUrl: sim.url, retry: fast, limiter: f.limiter });
    sim.faults.once = ['429', '1307'];
    await c.listInvoices(auth, 'input', { pageNo: 1, pageSize: 10 });
    const id = auth.clientId;
    // Token call: 429 then 1307 then its answer; then the list call.
    expect(f.log).toEqual([
      `acquire ${id}`,
      `throttled ${id}`,
      `acquire ${id}`,
      `throttled ${id}`,
      `acquire ${id}`,
      `acquire ${id}`,
    ]);
    expect(sim.calls).toHaveLength(4);
  });

  it('a wait beyond the budget fails the call as retryable 1429 without sending it', async () => {
    const f = fake(true);
    const c = createCloudClient({ baseUrl: sim.url, retry: fast, limiter: f.limiter });
    const err = await c.listInvoices(auth, 'input', { pageNo: 1, pageSize: 10 }).catch((e) => e);
    expect(err).toBeInstanceOf(CloudError);
    expect(err).toMatchObject({ code: '1429', retryable: true });
    expect(sim.calls).toHaveLength(0);
  });
});
