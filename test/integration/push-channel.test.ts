/**
 * Issue 14 — the push channel consumer: each message stored once under redelivery, acknowledged
 * only after it is stored, annotation from `invoiceTag`, the stale-version guard, orgs independent,
 * the time budget, a fresh polling token on 1300, and the org's push settings and counts on the
 * API.
 */
import { makeHandler } from '#functions/push-consumer/app.js';
import type { CloudClient } from '#shared/adapters/cloud/client.js';
import { CLOUD_PATHS } from '#shared/adapters/cloud/contract.js';
import type { Deps } from '#shared/deps.js';
import type { PushBudget } from '#shared/use-cases/push-channel/budget.js';
import type { OrgPushOutcome } from '#shared/use-cases/push-channel/consume.js';
import { DEFAULT_CONFIG } from '#shared/domain/schemas/config.js';
import { upsertRecords } from '#shared/use-cases/sync/upsert.js';
import { lambdaContext } from '#local/lambda.js';
import { ORGS, startHarness, type Harness } from '../support/harness.js';

const HOLD_MS = 150;
const [HZ, SH] = [ORGS[0]!, ORGS[1]!];
const linkKeyOf = (clientId: string) => `link-${clientId}`; // the simulator's default
const event = () => ({ time: new Date().toISOString(), 'detail-type': 'Scheduled Event' });

let h: Harness;
beforeEach(async () => {
  h = await startHarness({
    push: { holdMs: HOLD_MS },
    stack: { pushBudget: { pollHoldMs: HOLD_MS } },
  });
});
afterEach(() => h.stop());

const enablePush = async (orgId: string, org = HZ, linkKey = linkKeyOf(org.clientId)) => {
  const res = await h.api('PUT', `/orgs/${orgId}`, {
    orgName: org.orgName,
    taxNo: org.taxNo,
    pushEnabled: true,
    linkKey,
  });
  expect(res.status).toBe(200);
};
const serials = (n: number, org = HZ, from = 0) =>
  h.sim
    .org(org.taxNo)
    .ledgers.input.slice(from, from + n)
    .map((r) => r.serialNo);
const callsTo = (path: string) => h.sim.calls.filter((c) => c.path === path);

/** A consumer over the local stack's parts, with faults wrapped in where a test needs them. */
const consumer = (
  o: {
    cloud?: (c: CloudClient) => Partial<CloudClient>;
    deps?: (d: Deps) => Partial<Deps>;
    budget?: Partial<PushBudget>;
  } = {},
) => {
  const base = h.stack.deps;
  const deps: Deps = {
    ...base,
    ...o.deps?.(base),
    cloud: { ...base.cloud, ...o.cloud?.(base.cloud) },
  };
  const handler = makeHandler(deps, { pollHoldMs: HOLD_MS, ...o.budget });
  return async (remainingMs = 60_000) => {
    const out = (await handler(event(), lambdaContext('push-consumer', remainingMs))) as {
      orgs: OrgPushOutcome[];
    };
    return Object.fromEntries(out.orgs.map((x) => [x.orgId, x]));
  };
};
/** The invoice store with every conditional put counted (and optionally failing). */
const countingPuts = (fail: () => boolean = () => false) => {
  const puts = { n: 0 };
  const deps = (d: Deps): Partial<Deps> => ({
    stores: {
      ...d.stores,
      invoices: {
        ...d.stores.invoices,
        putUnlessNewer: async (item) => {
          if (fail()) throw new Error('DynamoDB unavailable (injected)');
          puts.n++;
          return d.stores.invoices.putUnlessNewer(item);
        },
      },
    },
  });
  return { puts, deps };
};
const stats = () => h.stack.deps.stores.push.stats('hz');
const pooled = (serialNo: string) => h.stack.deps.stores.invoices.get('hz', 'input', serialNo);

describe('push channel consumer (issue 14)', () => {
  const storedOnce =
    'stores each message once under redelivery: stored, crash before the ack, ' +
    'delivered again → acknowledged without a second store, counted once';
  it(storedOnce, async () => {
    await enablePush('hz');
    const pushed = serials(3);
    const msgId = h.sim.push(HZ.taxNo, pushed, '差旅');
    const { puts, deps } = countingPuts();
    let crashed = false;
    const crashing = consumer({
      deps,
      cloud: (c) => ({
        ack: async (...args) => {
          if (!crashed) {
            crashed = true;
            throw new Error('process died before the acknowledgement (injected)');
          }
          return c.ack(...args);
        },
      }),
    });
    const first = await crashing();
    expect(first.hz).toMatchObject({ stopped: 'failed', msgId, messages: 0 });
    expect(puts.n).toBe(3);
    for (const s of pushed) expect((await pooled(s))?.annotation).toBe('差旅');
    expect(h.sim.pushed(HZ.taxNo).map((m) => m.msgId)).toEqual([msgId]);

    const second = await crashing();
    expect(second.hz).toMatchObject({ stopped: 'empty', messages: 0, duplicates: 1, invoices: 0 });
    expect(puts.n).toBe(3);
    expect(callsTo(CLOUD_PATHS.invoiceDetail)).toHaveLength(1);
    expect(h.sim.pushed(HZ.taxNo)).toEqual([]);
    expect(await stats()).toMatchObject({ pushedMessages: 1, pushedInvoices: 3 });
    const org = (await h.api('GET', '/orgs/hz')).body;
    expect(org).toMatchObject({ pushEnabled: true, pushedMessages: 1, pushedInvoices: 3 });
    expect(Date.parse(org.lastPushAt)).not.toBeNaN();
  });

  const crashBeforeMarker =
    'a crash between the store and its marker ' +
    'stores again on redelivery (same pool) and counts once';
  it(crashBeforeMarker, async () => {
    await enablePush('hz');
    const pushed = serials(2);
    h.sim.push(HZ.taxNo, pushed);
    let died = false;
    const run = consumer({
      deps: (d) => ({
        stores: {
          ...d.stores,
          push: {
            ...d.stores.push,
            recordStored: async (...args) => {
              if (!died) {
                died = true;
                throw new Error('process died before the marker (injected)');
              }
              return d.stores.push.recordStored(...args);
            },
          },
        },
      }),
    });
    expect((await run()).hz).toMatchObject({ stopped: 'failed' });
    expect(await stats()).toMatchObject({ pushedMessages: 0 });
    const before = await pooled(pushed[0]!);
    expect((await run()).hz).toMatchObject({ stopped: 'empty', messages: 1, invoices: 2 });
    expect(await pooled(pushed[0]!)).toEqual({ ...before, updatedAt: expect.any(String) });
    expect(await stats()).toMatchObject({ pushedMessages: 1, pushedInvoices: 2 });
    expect(h.sim.pushed(HZ.taxNo)).toEqual([]);
  });

  const ackAfterStore =
    'acknowledges only after storing: ' +
    'a store failure sends no ack, the message comes back and is stored then';
  it(ackAfterStore, async () => {
    await enablePush('hz');
    const pushed = serials(2);
    const msgId = h.sim.push(HZ.taxNo, pushed);
    const order: string[] = [];
    let failing = true;
    const { deps } = countingPuts(() => failing);
    const trace = (d: Deps): Partial<Deps> => {
      const base = deps(d).stores!;
      return {
        stores: {
          ...base,
          invoices: {
            ...base.invoices,
            putUnlessNewer: async (item) => {
              const r = await base.invoices.putUnlessNewer(item);
              order.push('store');
              return r;
            },
          },
          push: {
            ...base.push,
            recordStored: async (...args) => {
              const r = await base.push.recordStored(...args);
              order.push('marker');
              return r;
            },
          },
        },
      };
    };
    const run = consumer({
      deps: trace,
      cloud: (c) => ({
        ack: async (...args) => {
          order.push('ack');
          return c.ack(...args);
        },
      }),
    });
    expect((await run()).hz).toMatchObject({ stopped: 'failed', msgId });
    expect(order).toEqual([]);
    expect(callsTo(CLOUD_PATHS.ack)).toHaveLength(0);
    expect(await h.stack.deps.stores.push.seen('hz', msgId)).toBe(false);
    expect(await pooled(pushed[0]!)).toBeUndefined();
    expect(h.sim.pushed(HZ.taxNo)[0]).toMatchObject({ msgId, deliveries: 1 });

    failing = false;
    expect((await run()).hz).toMatchObject({ stopped: 'empty', messages: 1, invoices: 2 });
    expect(order).toEqual(['store', 'store', 'marker', 'ack']);
    expect(await pooled(pushed[0]!)).toBeDefined();
    expect(h.sim.pushed(HZ.taxNo)).toEqual([]);
  });

  it("annotation from the message's invoiceTag; without one, the record's own tag", async () => {
    await enablePush('hz');
    const [tagged, plain] = serials(2) as [string, string];
    h.sim.push(HZ.taxNo, [tagged], '会议费');
    h.sim.push(HZ.taxNo, [plain]);
    expect((await consumer()()).hz).toMatchObject({ messages: 2, invoices: 2 });
    expect((await pooled(tagged))?.annotation).toBe('会议费');
    const own = h.sim.org(HZ.taxNo).ledgers.input.find((r) => r.serialNo === plain)!.invoiceTag;
    expect((await pooled(plain))?.annotation).toBe(own ?? null);
  });

  const staleVersionGuard =
    'stale-version guard: a pushed record older than the pooled one never overwrites it';
  it(staleVersionGuard, async () => {
    await enablePush('hz');
    const [s] = serials(1, HZ, 5) as [string];
    h.sim.push(HZ.taxNo, [s]);
    const run = consumer({
      cloud: (c) => ({
        invoiceDetails: async (auth, serialNos) => {
          const old = await c.invoiceDetails(auth, serialNos);
          // Meanwhile the cloud changes the invoice and a sync stores the newer version.
          const newer = h.sim.mutate(HZ.taxNo, 'input', s, { invoiceTag: 'newer-by-sync' });
          await upsertRecords(
            [newer],
            { orgId: 'hz', kind: 'input', config: DEFAULT_CONFIG, at: new Date().toISOString() },
            h.stack.deps,
          );
          return old;
        },
      }),
    });
    expect((await run()).hz).toMatchObject({ messages: 1, invoices: 0, skipped: 1 });
    expect((await pooled(s))?.annotation).toBe('newer-by-sync');
    expect(h.sim.pushed(HZ.taxNo)).toEqual([]);
  });

  const orgsIndependent =
    'orgs are independent: one failing org never blocks another; ' +
    'orgs without pushing are not polled';
  it(orgsIndependent, async () => {
    await enablePush('hz');
    await enablePush('sh', SH, 'not-the-link-key');
    h.sim.push(HZ.taxNo, serials(2));
    const shMsg = h.sim.push(SH.taxNo, serials(1, SH));
    const out = await consumer()();
    expect(out.hz).toMatchObject({ stopped: 'empty', messages: 1, invoices: 2 });
    expect(out.sh).toMatchObject({ stopped: 'failed', messages: 0 });
    expect(out.sh!.error).toMatch(/key/);
    expect(h.sim.pushed(HZ.taxNo)).toEqual([]);
    expect(h.sim.pushed(SH.taxNo).map((m) => m.msgId)).toEqual([shMsg]);

    // sh switched off: not polled at all.
    await h.api('PUT', '/orgs/sh', { pushEnabled: false });
    const polls = callsTo(CLOUD_PATHS.poll).length;
    const again = await consumer()();
    expect(Object.keys(again)).toEqual(['hz']);
    expect(callsTo(CLOUD_PATHS.poll).length - polls).toBe(1);
  });

  const timeBudget =
    'time budget: polls start only while a whole hold fits; ' +
    'the turn ends in time, the rest stays queued';
  it(timeBudget, async () => {
    await enablePush('hz');
    for (let i = 0; i < 20; i++) h.sim.push(HZ.taxNo, serials(1, HZ, i));
    let started = 0;
    const pollStarts: number[] = [];
    const timed = (c: CloudClient): Partial<CloudClient> => ({
      poll: (...args) => {
        pollStarts.push(Date.now() - started);
        return c.poll(...args);
      },
      invoiceDetails: async (...args) => {
        await new Promise((r) => setTimeout(r, 100));
        return c.invoiceDetails(...args);
      },
    });
    // Timer and scheduling jitter between our clock and the handler's (a loaded CI machine).
    const SLACK = 100;
    const budget = { budgetMs: 800, reserveMs: 200, pollHoldMs: HOLD_MS };
    started = Date.now();
    const out = (await consumer({ cloud: timed, budget })()).hz!;
    const took = Date.now() - started;
    expect(out.stopped).toBe('budget');
    expect(out.messages).toBeGreaterThan(0);
    expect(Math.max(...pollStarts)).toBeLessThanOrEqual(800 - HOLD_MS + SLACK);
    expect(took).toBeLessThan(800 + 1000);
    expect(h.sim.pushed(HZ.taxNo)).toHaveLength(20 - out.messages);
    expect(await stats()).toMatchObject({ pushedMessages: out.messages });

    // The Lambda's remaining time bounds it too (minus the reserve): 500 − 200 = 300 ms here.
    pollStarts.length = 0;
    started = Date.now();
    const short = (await consumer({ cloud: timed, budget: { ...budget, budgetMs: 50_000 } })(500))
      .hz!;
    expect(short.stopped).toBe('budget');
    expect(pollStarts.length).toBeGreaterThan(0);
    expect(Math.max(...pollStarts)).toBeLessThanOrEqual(300 - HOLD_MS + SLACK);

    // Less left than the reserve plus one hold: no poll at all.
    pollStarts.length = 0;
    expect((await consumer({ cloud: timed, budget })(300)).hz).toMatchObject({
      stopped: 'budget',
      messages: 0,
    });
    expect(pollStarts).toEqual([]);
  });

  const freshPollingToken =
    '1300 on a poll: a fresh polling token, once; the cached token is reused otherwise';
  it(freshPollingToken, async () => {
    await enablePush('hz');
    const run = consumer();
    await run();
    await run();
    expect(callsTo(CLOUD_PATHS.pollToken)).toHaveLength(1);
    h.sim.expireTokens();
    h.sim.push(HZ.taxNo, serials(1));
    expect((await run()).hz).toMatchObject({ stopped: 'empty', messages: 1 });
    expect(callsTo(CLOUD_PATHS.pollToken)).toHaveLength(2);
    expect(callsTo(CLOUD_PATHS.poll).map((c) => c.code)).toEqual([
      '1307',
      '1307',
      '1300',
      '0000',
      '1307',
    ]);
  });

  const orgPushConfig =
    'org config: pushEnabled (default false) and a write-only linkKey in the secrets store; ' +
    'pushing without one is refused';
  it(orgPushConfig, async () => {
    const got = (await h.api('GET', '/orgs/hz')).body;
    expect(got).toMatchObject({
      pushEnabled: false,
      linkKey: null,
      lastPushAt: null,
      pushedMessages: 0,
      pushedInvoices: 0,
    });
    const refused = await h.api('PUT', '/orgs/hz', {
      orgName: HZ.orgName,
      taxNo: HZ.taxNo,
      pushEnabled: true,
    });
    expect(refused.status).toBe(400);
    expect(refused.body.error.details).toEqual([
      { path: 'linkKey', message: 'required when pushEnabled is true' },
    ]);
    expect((await h.api('GET', '/orgs/hz')).body.pushEnabled).toBe(false);
    const put = await h.api('PUT', '/orgs/hz', {
      orgName: HZ.orgName,
      taxNo: HZ.taxNo,
      pushEnabled: true,
      linkKey: 'the-link-key-of-hz',
    });
    expect(put.body).toMatchObject({ pushEnabled: true, linkKey: '***', clientSecret: '***' });
    expect(JSON.stringify(put.body)).not.toContain('the-link-key-of-hz');
    expect(await h.stack.secrets.get('org/hz/link-key')).toBe('the-link-key-of-hz');
    // A later PUT without linkKey keeps it.
    const kept = await h.api('PUT', '/orgs/hz', {
      orgName: HZ.orgName,
      taxNo: HZ.taxNo,
      pushEnabled: true,
    });
    expect(kept.body).toMatchObject({ pushEnabled: true, linkKey: '***' });
  });

  it('POST /_local/events/push-consumer runs the consumer with a scheduled event', async () => {
    await enablePush('hz');
    h.sim.push(HZ.taxNo, serials(1));
    const r = await h.stack.http(
      'POST',
      '/_local/events/push-consumer',
      { authorization: `Bearer ${h.operator}` },
      JSON.stringify(event()),
    );
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body)).toMatchObject({ orgs: [{ orgId: 'hz', messages: 1 }] });
    const bad = await h.stack.http(
      'POST',
      '/_local/events/push-consumer',
      { authorization: `Bearer ${h.operator}` },
      '{}',
    );
    expect(bad.status).toBe(400);
  });
});
