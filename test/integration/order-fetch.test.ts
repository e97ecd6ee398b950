/**
 * Issue 19 — order acquisition by pull and by schedule (SPEC §4.6), over the HTTP API against the
 * simulator's sample order feed on loopback: paging from a stored cursor, repeated orders, a
 * failure retried, signed requests, exactly one ORDER_FETCH log per (org, orderNo) with its
 * processing method, other orgs' systems untouched, hostile systems bounded and recorded without
 * blocking the others, the lease (409) and the refusals (404, 409, 400).
 */
import { DEFAULT_FETCH_POLICY, fetchSystemOrders } from '#shared/use-cases/orders/fetch.js';
import type { OrderFeed } from '#simulator/order-feed.js';
import { startReceiver, type Receiver } from '#simulator/receiver.js';
import { startHarness, type Harness } from '../support/harness.js';

const POLICY = {
  ...DEFAULT_FETCH_POLICY,
  timeoutMs: 400,
  attempts: 2,
  baseDelayMs: 5,
  maxDelayMs: 50,
  budgetMs: 4_000,
};

let h: Harness;
let rcv: Receiver;
beforeEach(async () => {
  h = await startHarness({ stack: { orderFetch: { policy: POLICY, reserveMs: 0 } } });
  rcv = await startReceiver();
});
afterEach(async () => {
  await h.stop();
  await rcv.stop();
});

const orders = (prefix: string, from: number, n: number) =>
  Array.from({ length: n }, (_, i) => ({
    orderNo: `${prefix}-${from + i}`,
    buyer: '某公司',
    amount: `${100 + i}.00`,
  }));

/** Register `systemId` in `orgId` with a feed of the receiver; the feed knows its secret. */
const system = async (systemId: string, orgId: string, o: Partial<OrderFeed> = {}) => {
  const { url, feed } = rcv.feed(systemId);
  const res = await h.api('PUT', `/systems/${systemId}`, {
    orgId,
    name: systemId,
    callbackUrl: `${rcv.url}/hooks/${systemId}`,
    orderFetchUrl: url,
  });
  expect(res.status).toBe(201);
  Object.assign(feed, { secret: res.body.secret, ...o });
  return feed;
};

const fetchLogs = async (q: string) => {
  const out: any[] = [];
  let cursor: string | undefined;
  do {
    const c = cursor ? `&cursor=${encodeURIComponent(cursor)}` : '';
    const res = await h.api('GET', `/interaction-logs?operationType=ORDER_FETCH&limit=200${q}${c}`);
    out.push(...res.body.items);
    cursor = res.body.nextCursor ?? undefined;
  } while (cursor);
  return out;
};
const pull = (systemId: string) => h.api('POST', `/systems/${systemId}/fetch-orders`);
const schedule = () =>
  h.api('POST', '/_local/events/order-fetch', { time: new Date().toISOString() });
/** Orders a feed served in its 200 answers, repeats included. */
const served = (feed: OrderFeed) => feed.requests.filter((r) => r.status === 200).length;

describe('order fetch by pull (API_ACTIVE)', () => {
  it('pages from its cursor through repeats and one failure: one log per order', async () => {
    // Arrange: 25 orders, pages of 10 repeating the previous page's last 2, the first try fails
    const feed = await system('shop-hz', 'hz', {
      orders: orders('ORD', 1, 25),
      pageSize: 10,
      repeat: 2,
    });
    feed.failNext(1);
    // Act
    const res = await pull('shop-hz');
    // Assert: every order logged once, repeats and the failure absorbed
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ systemId: 'shop-hz', logged: 25, error: null, more: false });
    expect(res.body.fetched).toBeGreaterThan(25);
    expect(res.body.pages).toBe(served(feed));
    const logs = await fetchLogs('&processingMethod=API_ACTIVE');
    expect(logs.map((l) => l.orderNo).sort()).toEqual(feed.orders.map((o) => o.orderNo).sort());
    expect(new Set(logs.map((l) => `${l.orgId}/${l.systemId}/${l.dataStatus}`))).toEqual(
      new Set(['hz/shop-hz/RECEIVED']),
    );
    const first = logs.find((l) => l.orderNo === 'ORD-3');
    expect(first.request).toMatchObject({
      systemId: 'shop-hz',
      orderNo: 'ORD-3',
      amount: '102.00',
    });
    // Signed: every request verified by the feed; the failed try repeated with the same id
    expect(feed.requests.every((r) => r.verified)).toBe(true);
    expect(feed.requests[0]!.status).toBe(503);
    expect(feed.requests[1]!.webhookId).toBe(feed.requests[0]!.webhookId);
    expect(feed.requests[0]!.target).toMatch(/^\/orders\/shop-hz\?limit=100$/);
  });

  it('is incremental: a pull starts from the stored cursor, logs only new orders', async () => {
    // Arrange
    const feed = await system('shop-hz', 'hz', { orders: orders('ORD', 1, 12), pageSize: 5 });
    expect((await pull('shop-hz')).body.logged).toBe(12);
    const before = feed.requests.length;
    // Act: nothing new, then 3 new orders
    const idle = await pull('shop-hz');
    feed.orders.push(...orders('ORD', 13, 3));
    const next = await pull('shop-hz');
    // Assert
    expect(idle.body).toMatchObject({ logged: 0, error: null });
    expect(next.body).toMatchObject({ logged: 3, error: null });
    expect(feed.requests[before]!.target).toContain('cursor=');
    expect(await fetchLogs('&orderNo=ORD-14')).toHaveLength(1);
    expect(await fetchLogs('')).toHaveLength(15);
  });

  it('a changed orderFetchUrl starts from the top: no cursor goes to another feed', async () => {
    // Arrange: the old feed left a cursor behind
    const old = await system('shop-hz', 'hz', { orders: orders('ORD', 1, 12), pageSize: 5 });
    expect((await pull('shop-hz')).body.logged).toBe(12);
    const moved = rcv.feed('shop-hz-v2');
    Object.assign(moved.feed, { secret: old.secret, orders: orders('ORD', 1, 14), pageSize: 5 });
    const put = await h.api('PUT', '/systems/shop-hz', {
      orgId: 'hz',
      name: 'shop-hz',
      callbackUrl: `${rcv.url}/hooks/shop-hz`,
      orderFetchUrl: moved.url,
    });
    expect(put.status).toBe(200);
    // Act
    const next = await pull('shop-hz');
    // Assert: the new feed was read from its first page; only the 2 new orders were logged
    expect(moved.feed.requests[0]!.target).not.toContain('cursor=');
    expect(next.body).toMatchObject({ logged: 2, error: null });
    expect(await fetchLogs('')).toHaveLength(14);
  });

  it('never touches a system of another org, and claims order numbers per org', async () => {
    // Arrange: the same order numbers in org sh's feed
    const hz = await system('shop-hz', 'hz', { orders: orders('ORD', 1, 4) });
    const sh = await system('shop-sh', 'sh', { orders: orders('ORD', 1, 4) });
    // Act
    await pull('shop-hz');
    // Assert
    expect(sh.requests).toHaveLength(0);
    expect(hz.requests.length).toBeGreaterThan(0);
    const logs = await fetchLogs('');
    expect(logs.map((l) => l.orgId)).toEqual(['hz', 'hz', 'hz', 'hz']);
  });

  it('answers 404 for an unknown system, 409 without a feed or while a fetch runs', async () => {
    // Arrange
    await system('shop-hz', 'hz', { orders: orders('ORD', 1, 2) });
    const plain = await h.api('PUT', '/systems/erp', {
      orgId: 'hz',
      name: 'erp',
      callbackUrl: `${rcv.url}/hooks/erp`,
    });
    expect(plain.status).toBe(201);
    const now = Date.now();
    const held = await h.stack.deps.stores.fetches.lease(
      'shop-hz',
      'another-run',
      new Date(now).toISOString(),
      new Date(now + 60_000).toISOString(),
    );
    // Act
    const unknown = await pull('nope');
    const noFeed = await pull('erp');
    const busy = await pull('shop-hz');
    // Assert
    expect(held).toBe(true);
    expect([unknown.status, noFeed.status, busy.status]).toEqual([404, 409, 409]);
    expect(noFeed.body.error.message).toContain('orderFetchUrl');
    expect(busy.body.error.message).toContain('already running');
    expect(await fetchLogs('')).toHaveLength(0);
  });

  it('records a system that refuses the signature, logs nothing and keeps the cursor', async () => {
    // Arrange: the feed expects another secret
    const feed = await system('shop-hz', 'hz', { orders: orders('ORD', 1, 3) });
    feed.secret = 'whsec_' + Buffer.from('not the one').toString('base64');
    // Act
    const res = await pull('shop-hz');
    // Assert
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ logged: 0, pages: 0, nextCursor: null, error: 'HTTP 401' });
    expect(await fetchLogs('')).toHaveLength(0);
    const state = await h.stack.deps.stores.fetches.get('shop-hz');
    expect(state).toMatchObject({ lastError: 'HTTP 401', failures: 1 });
    expect(state.leaseOwner).toBeUndefined();
  });

  it('a crash between a logged page and its cursor repeats that page harmlessly', async () => {
    // Arrange: storing the first cursor fails as a crash would leave it (page logged, no cursor)
    const feed = await system('shop-hz', 'hz', { orders: orders('ORD', 1, 7), pageSize: 4 });
    const deps = h.stack.deps;
    const crashing = {
      ...deps,
      stores: {
        ...deps.stores,
        fetches: {
          ...deps.stores.fetches,
          saveCursor: () => Promise.reject(new Error('killed before the cursor was stored')),
        },
      },
    };
    // Act
    const crashed = fetchSystemOrders('shop-hz', 'API_ACTIVE', crashing);
    await expect(crashed).rejects.toThrow('killed');
    const afterCrash = await fetchLogs('');
    const res = await pull('shop-hz');
    // Assert: the first page came twice, every order is logged once
    expect(afterCrash).toHaveLength(4);
    expect(res.body).toMatchObject({ logged: 3, error: null });
    const firstPage = feed.requests.filter((r) => !r.target.includes('cursor='));
    expect(firstPage).toHaveLength(2);
    const logs = await fetchLogs('');
    expect(logs.map((l) => l.orderNo).sort()).toEqual(feed.orders.map((o) => o.orderNo).sort());
  });

  it('refuses a feed URL on a private address at registration, naming orderFetchUrl', async () => {
    const res = await h.api('PUT', '/systems/bad', {
      orgId: 'hz',
      name: 'bad',
      callbackUrl: `${rcv.url}/hooks/bad`,
      orderFetchUrl: 'http://10.1.2.3/orders',
    });
    expect(res.status).toBe(400);
    expect(res.body.error.details[0].path).toBe('orderFetchUrl');
  });
});

describe('order fetch by schedule (SCHEDULED)', () => {
  it('fetches every system with a feed; orders already pulled are not logged again', async () => {
    // Arrange: one order pulled before; systems in both orgs, one without a feed
    const hz = await system('shop-hz', 'hz', { orders: orders('ORD', 1, 7), pageSize: 3 });
    const sh = await system('shop-sh', 'sh', {
      orders: orders('ORD', 1, 5),
      pageSize: 2,
      repeat: 1,
    });
    sh.failNext(1);
    await h.api('PUT', '/systems/erp', {
      orgId: 'hz',
      name: 'erp',
      callbackUrl: `${rcv.url}/hooks/erp`,
    });
    const svc = h.stack.token({ sub: 'svc', orgId: 'hz', roles: ['expense'] });
    const passive = await h.api(
      'POST',
      '/billing/orders',
      { systemId: 'shop-hz', orderNo: 'ORD-2' },
      svc,
    );
    expect(passive.status).toBe(202);
    // Act
    const run = await schedule();
    const again = await schedule();
    // Assert
    expect(run.status).toBe(200);
    expect(run.body).toMatchObject({ systems: 2, logged: 6 + 5, failed: [], skipped: [] });
    expect(again.body).toMatchObject({ systems: 2, logged: 0, failed: [] });
    const scheduled = await fetchLogs('&processingMethod=SCHEDULED');
    const key = (l: any) => `${l.orgId}/${l.orderNo}`;
    expect(scheduled.map(key).sort()).toEqual(
      [
        ...hz.orders.filter((o) => o.orderNo !== 'ORD-2').map((o) => `hz/${String(o.orderNo)}`),
        ...sh.orders.map((o) => `sh/${String(o.orderNo)}`),
      ].sort(),
    );
    const all = await fetchLogs('');
    expect(new Set(all.map(key)).size).toBe(all.length);
    expect(all.find((l) => l.orderNo === 'ORD-2' && l.orgId === 'hz').processingMethod).toBe(
      'API_PASSIVE',
    );
    expect(sh.requests[0]!.status).toBe(503);
  });

  it('bounds hostile systems and records them without blocking the others', async () => {
    // Arrange: a huge, a redirecting, a slow and a non-JSON system beside a good one
    const bad: Record<string, OrderFeed> = {};
    for (const how of ['huge', 'redirect', 'slow', 'not-json'] as const)
      bad[how] = await system(`bad-${how}`, 'hz', { hostile: how });
    const good = await system('shop-sh', 'sh', { orders: orders('ORD', 1, 4) });
    // Act
    const run = await schedule();
    // Assert
    expect(run.status).toBe(200);
    expect(run.body.logged).toBe(good.orders.length);
    const errors = Object.fromEntries(
      run.body.failed.map((f: any) => [f.systemId, f.error as string]),
    );
    expect(Object.keys(errors).sort()).toEqual(
      ['bad-huge', 'bad-not-json', 'bad-redirect', 'bad-slow'].sort(),
    );
    expect(errors['bad-huge']).toMatch(/over 2097152 bytes/);
    expect(errors['bad-redirect']).toBe('redirect 302 not followed');
    expect(errors['bad-slow']).toMatch(/no answer within \d+ ms/);
    expect(errors['bad-not-json']).toBe('the answer is not JSON');
    // Bounded: a slow system is tried as often as the policy allows, the others once
    expect(bad.slow!.requests).toHaveLength(POLICY.attempts);
    expect(bad.redirect!.requests).toHaveLength(1);
    const state = await h.stack.deps.stores.fetches.get('bad-slow');
    expect(state.lastError).toBe(errors['bad-slow']);
    expect(await fetchLogs('&orderNo=X')).toHaveLength(0);
  });
});
