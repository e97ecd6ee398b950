import { createHmac, timingSafeEqual } from 'node:crypto';
import { startReceiver, type Receiver } from '#simulator/receiver.js';
import { assertSafeCallbackUrl } from '#shared/adapters/outbound/url-guard.js';
import { startHarness, ORGS, type Harness } from '../support/harness.js';

/**
 * An independent Standard Webhooks verifier (the scheme as published, written here from scratch).
 */
const verify = (secret: string, headers: Record<string, string>, body: string): boolean => {
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  const expected = createHmac('sha256', key)
    .update(`${headers['webhook-id']}.${headers['webhook-timestamp']}.${body}`)
    .digest();
  return (headers['webhook-signature'] ?? '').split(' ').some((part) => {
    const [version, sig] = part.split(',');
    const given = Buffer.from(sig ?? '', 'base64');
    return version === 'v1' && given.length === expected.length && timingSafeEqual(given, expected);
  });
};
const TAX = ORGS[0]!.taxNo;

describe('interaction logs and signed callbacks', () => {
  let h: Harness;
  let rcv: Receiver;
  let secret: string;
  const wait = async (pred: () => Promise<boolean> | boolean, ms = 15000) => {
    const end = Date.now() + ms;
    while (!(await pred())) {
      if (Date.now() > end) throw new Error('condition not met in time');
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  const log = async (logId: string) =>
    (await h.api('GET', `/interaction-logs?limit=200`)).body.items.find(
      (l: any) => l.logId === logId,
    );
  const order = async (orderNo: string) =>
    (
      await h.api(
        'POST',
        '/billing/orders',
        { systemId: 'erp', orderNo, buyer: '某公司', amount: '100.00' },
        h.expense,
      )
    ).body.logId as string;
  /** The invoice cloud's credential for org hz (results come only from the `cloud` role). */
  const cloud = () => h.stack.token({ sub: 'cloud-hz', orgId: 'hz', roles: ['cloud'] });
  const result = async (orderNo: string, resultType = 'BLUE', extra: object = {}) =>
    h.api(
      'POST',
      '/billing/results',
      {
        orderNo,
        resultType,
        invoiceNo: '12345678',
        invoiceCode: '033002100111',
        serialNo: `S-${orderNo}`,
        time: '2024-07-22 10:00:00',
        ...extra,
      },
      cloud(),
    );

  beforeEach(async () => {
    h = await startHarness({
      stack: { callbackRetryDelays: [0.2, 0.2, 0.2, 0.2, 0.2, 0.2], callbackTimeoutMs: 300 },
    });
    rcv = await startReceiver();
    const res = await h.api('PUT', '/systems/erp', {
      orgId: 'hz',
      name: 'Customer ERP',
      callbackUrl: `${rcv.url}/hooks`,
    });
    expect(res.status).toBe(201);
    secret = res.body.secret;
  });
  afterEach(async () => {
    await h.stop();
    await rcv.stop();
  });

  it('the signing secret is shown once, again only on rotation', async () => {
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
    expect(
      (
        await h.api('PUT', '/systems/erp', {
          orgId: 'hz',
          name: 'ERP 2',
          callbackUrl: `${rcv.url}/hooks`,
        })
      ).body.secret,
    ).toBeUndefined();
    const rotated = (
      await h.api('PUT', '/systems/erp', {
        orgId: 'hz',
        name: 'ERP 2',
        callbackUrl: `${rcv.url}/hooks`,
        rotateSecret: true,
      })
    ).body.secret;
    expect(rotated).toMatch(/^whsec_/);
    expect(rotated).not.toBe(secret);
  });

  const orderAndResult =
    'order in → logged; ' +
    'result in → a signed callback, verifiable independently, logged with its outcome';
  it(orderAndResult, async () => {
    const orderLog = await order('ORD-1');
    expect(await log(orderLog)).toMatchObject({
      operationType: 'ORDER_FETCH',
      processingMethod: 'API_PASSIVE',
      dataStatus: 'RECEIVED',
      systemId: 'erp',
      orderNo: 'ORD-1',
    });
    const res = await result('ORD-1');
    expect(res.status).toBe(200);
    expect(res.body.errcode).toBe('0000');
    await h.stack.settle();
    expect(rcv.received).toHaveLength(1);
    const got = rcv.received[0]!;
    expect(verify(secret, got.headers, got.body)).toBe(true);
    expect(verify(secret, { ...got.headers, 'webhook-timestamp': '1' }, got.body)).toBe(false);
    expect(JSON.parse(got.body)).toMatchObject({
      type: 'invoice.result',
      orderNo: 'ORD-1',
      resultType: 'BLUE',
      invoiceNo: '12345678',
    });
    const cb = await log(res.body.logId);
    expect(cb).toMatchObject({
      operationType: 'BLUE_RESULT_CALLBACK',
      processingMethod: 'API_PASSIVE',
      dataStatus: 'SUCCEEDED',
    });
    expect(cb.attempts).toEqual([
      expect.objectContaining({
        status: 200,
        ok: true,
        trigger: 'automatic',
        latencyMs: expect.any(Number),
      }),
    ]);
    expect((await result('ORD-1')).body.description).toBe('already accepted');
    await h.stack.settle();
    expect(rcv.received).toHaveLength(1);
  });

  const failedAttemptsRetried =
    'non-2xx, a redirect and a timeout are failed attempts, ' +
    'retried with the same webhook id until success';
  it(failedAttemptsRetried, async () => {
    await order('ORD-2');
    rcv.failNext(500, 302);
    const res = await result('ORD-2', 'RED');
    await wait(async () => (await log(res.body.logId))?.attempts.length === 3);
    rcv.hangNext(1, 1000);
    await h.stack.settle();
    const l = await log(res.body.logId);
    expect(l.attempts.map((a: any) => [a.status, a.ok])).toEqual([
      [500, false],
      [302, false],
      [200, true],
    ]);
    expect(l.attempts[1].error).toMatch(/redirect 302 not followed/);
    expect(l.dataStatus).toBe('SUCCEEDED');
    expect(new Set(rcv.received.map((r) => r.headers['webhook-id'])).size).toBe(1);

    await order('ORD-3');
    rcv.hangNext(1, 1000);
    const slow = await result('ORD-3');
    await wait(async () => (await log(slow.body.logId))?.dataStatus === 'SUCCEEDED');
    const attempts = (await log(slow.body.logId)).attempts;
    expect(attempts[0]).toMatchObject({
      ok: false,
      status: null,
      error: expect.stringMatching(/no answer within 300 ms/),
    });
    expect(attempts[1]).toMatchObject({ ok: true });
  });

  it('Retry-After is honoured between attempts', async () => {
    await order('ORD-RA');
    rcv.retryAfter = 2;
    rcv.failNext(429);
    const res = await result('ORD-RA');
    await wait(async () => (await log(res.body.logId))?.dataStatus === 'SUCCEEDED', 20000);
    const [first, second] = rcv.received;
    expect(second!.at - first!.at).toBeGreaterThanOrEqual(1900);
  });

  it('gives up when the schedule is spent, with every attempt recorded', async () => {
    await h.stop();
    h = await startHarness({ stack: { callbackRetryDelays: [0.1, 0.1], callbackTimeoutMs: 300 } });
    const reg = await h.api('PUT', '/systems/erp', {
      orgId: 'hz',
      name: 'ERP',
      callbackUrl: `${rcv.url}/hooks`,
    });
    expect(reg.status).toBe(201);
    await order('ORD-X');
    rcv.failNext(503, 503, 503, 503);
    const res = await result('ORD-X');
    await wait(async () => (await log(res.body.logId))?.attempts.length === 3);
    await h.stack.settle();
    const l = await log(res.body.logId);
    expect(l.dataStatus).toBe('FAILED');
    expect(l.attempts).toHaveLength(3);
  });

  const operatorRePush =
    'operator re-push: same webhook id for blue/red; other types refused with nothing sent';
  it(operatorRePush, async () => {
    const orderLog = await order('ORD-4');
    const res = await result('ORD-4');
    const reject = await result('ORD-4', 'REJECT', { serialNo: null, reason: '审批驳回' });
    await h.stack.settle();
    const before = rcv.received.length;
    const push = await h.api('POST', '/interaction-logs/push', {
      logIds: [res.body.logId, reject.body.logId, orderLog, 'nope'],
    });
    expect(push.status).toBe(200);
    expect(push.body.results).toEqual([
      { logId: res.body.logId, ok: true },
      {
        logId: reject.body.logId,
        ok: false,
        error: { code: 'NOT_PUSHABLE', message: expect.stringMatching(/REJECT_CALLBACK/) },
      },
      { logId: orderLog, ok: false, error: { code: 'NOT_PUSHABLE', message: expect.any(String) } },
      { logId: 'nope', ok: false, error: { code: 'NOT_FOUND', message: expect.any(String) } },
    ]);
    expect(rcv.received.length).toBe(before + 1);
    const ids = rcv.received
      .filter((r) => JSON.parse(r.body).logId === res.body.logId)
      .map((r) => r.headers['webhook-id']);
    expect(ids).toHaveLength(2);
    expect(new Set(ids).size).toBe(1);
    expect((await log(res.body.logId)).attempts.map((a: any) => a.trigger)).toEqual([
      'automatic',
      'push',
    ]);
  });

  const outputCallbacksAndPush =
    'output invoices synced for a known order call the system back once; ' +
    'push by condition finds the invoice or says no match';
  it(outputCallbacksAndPush, async () => {
    const out = h.sim.org(TAX).ledgers.output;
    const blue = out.find((r) => r.invoiceStatus === 0)!;
    const orderLog = await order(blue.orderNo!);
    for (let i = 0; i < 2; i++) {
      await h.api('POST', '/sync', { type: 'output', orgIds: ['hz'] });
      await h.stack.settle();
    }
    const calls = rcv.received.map((r) => JSON.parse(r.body));
    expect(calls).toEqual([
      expect.objectContaining({
        orderNo: blue.orderNo,
        resultType: 'BLUE',
        serialNo: blue.serialNo,
        invoiceNo: blue.invoiceNo,
      }),
    ]);
    const synced = (
      await h.api(
        'GET',
        `/interaction-logs?orderNo=${blue.orderNo}&operationType=BLUE_RESULT_CALLBACK`,
      )
    ).body.items;
    expect(synced).toEqual([
      expect.objectContaining({ processingMethod: 'DB_SYNC', dataStatus: 'SUCCEEDED' }),
    ]);

    const hit = await h.api('POST', '/interaction-logs/push-by-condition', {
      logIds: [orderLog],
      orderNo: blue.orderNo,
      invoiceNo: blue.invoiceNo,
    });
    expect(hit.body.results).toEqual([{ logId: orderLog, ok: true }]);
    expect(JSON.parse(rcv.received.at(-1)!.body)).toMatchObject({
      orderNo: blue.orderNo,
      invoiceNo: blue.invoiceNo,
      serialNo: blue.serialNo,
    });
    const n = rcv.received.length;
    const miss = await h.api('POST', '/interaction-logs/push-by-condition', {
      logIds: [orderLog],
      orderNo: blue.orderNo,
      invoiceNo: '00000000',
    });
    expect(miss.body.results).toEqual([
      {
        logId: orderLog,
        ok: false,
        error: {
          code: 'NOT_FOUND',
          message: expect.stringMatching(/no invoice with order number/),
        },
      },
    ]);
    expect(rcv.received.length).toBe(n);
  });

  it('lists logs newest first with filters and cursor pagination', async () => {
    for (let i = 0; i < 7; i++) await order(`ORD-L${i}`);
    const all: any[] = [];
    let cursor: string | null = null;
    do {
      const res: any = await h.api(
        'GET',
        `/interaction-logs?operationType=ORDER_FETCH&limit=3${cursor ? `&cursor=${cursor}` : ''}`,
      );
      all.push(...res.body.items);
      cursor = res.body.nextCursor;
    } while (cursor);
    expect(all.map((l) => l.orderNo)).toEqual([
      'ORD-L6',
      'ORD-L5',
      'ORD-L4',
      'ORD-L3',
      'ORD-L2',
      'ORD-L1',
      'ORD-L0',
    ]);
    expect((await h.api('GET', '/interaction-logs?dataStatus=SUCCEEDED')).body.items).toEqual([]);
    expect((await h.api('GET', '/interaction-logs?from=2099-01-01T00:00:00Z')).body.items).toEqual(
      [],
    );
    expect((await h.api('GET', '/interaction-logs?operationType=NOPE')).status).toBe(400);
    expect(
      (await h.api('POST', '/billing/orders', { systemId: 'ghost', orderNo: 'X' }, h.expense))
        .status,
    ).toBe(404);
    expect((await result('ORD-UNKNOWN')).status).toBe(404);
  });
});

describe('callback SSRF guard', () => {
  const outside = (url: string, resolve?: (h: string) => Promise<string[]>) =>
    assertSafeCallbackUrl(url, false, resolve);
  it.each([
    'http://169.254.169.254/latest/meta-data',
    'http://10.0.0.1/',
    'http://localhost/hook',
    'https://127.0.0.1/x',
    'https://[::1]/x',
    'https://169.254.169.254/',
  ])('rejects %s outside local mode', async (url) => {
    await expect(outside(url, async () => ['127.0.0.1'])).rejects.toMatchObject({
      status: 400,
      details: [expect.objectContaining({ path: 'callbackUrl' })],
    });
  });
  it('rejects a hostname that resolves to a private address, accepts a public one', async () => {
    await expect(
      outside('https://hooks.customer.example/cb', async () => ['10.20.30.40']),
    ).rejects.toThrow(/not public unicast \(10\.20\.30\.40\)/);
    await expect(
      outside('https://hooks.customer.example/cb', async () => ['93.184.216.34']),
    ).resolves.toEqual(['93.184.216.34']);
  });
  const pinnedConnection =
    'the connection goes to the checked address: no second DNS lookup (no rebinding window)';
  it(pinnedConnection, async () => {
    const { postPinned } = await import('#shared/adapters/outbound/post.js');
    const rcv = await startReceiver();
    try {
      const port = new URL(rcv.url).port;
      // `rebind.invalid` resolves nowhere: only a pinned connection can reach the receiver.
      const res = await postPinned(
        new URL(`http://rebind.invalid:${port}/hook`),
        '127.0.0.1',
        { 'content-type': 'application/json' },
        '{"a":1}',
        2000,
      );
      expect(res.status).toBe(200);
      expect(rcv.received[0]).toMatchObject({
        body: '{"a":1}',
        headers: expect.objectContaining({ host: `rebind.invalid:${port}` }),
      });
    } finally {
      await rcv.stop();
    }
  });
  it('local mode allows http to loopback only', async () => {
    await expect(assertSafeCallbackUrl('http://127.0.0.1:9/x', true)).resolves.toEqual([
      '127.0.0.1',
    ]);
    await expect(assertSafeCallbackUrl('http://10.0.0.1/', true)).rejects.toThrow(/private/);
  });
});
