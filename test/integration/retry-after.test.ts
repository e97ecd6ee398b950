/**
 * Security review M2 (3), the cloud client's side: a 429/503 `Retry-After` is honoured in both its
 * forms (delay-seconds and HTTP-date) and never scheduled beyond the call's remaining retry budget,
 * so `Retry-After: 999999999` costs at most the budget, not years.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createTransport, parseRetryAfter } from '#shared/adapters/cloud/transport.js';

/** A loopback cloud answering each request with the next scripted reply (then 200 OK). */
const scriptedCloud = async (script: { status: number; retryAfter?: string }[]) => {
  const at: number[] = [];
  const server: Server = createServer((_req, res) => {
    at.push(Date.now());
    const next = script.shift();
    if (next) {
      const headers = next.retryAfter ? { 'retry-after': next.retryAfter } : {};
      res.writeHead(next.status, headers).end('{}');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ errcode: '0000', description: 'ok', data: { ok: true } }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, at, stop: () => new Promise((r) => server.close(r)) };
};
const fast = { baseDelayMs: 5, maxDelayMs: 20, maxAttempts: 4, timeoutMs: 2000 };
const inSeconds = (s: number) => new Date(Date.now() + s * 1000).toUTCString();

describe('parseRetryAfter', () => {
  const now = Date.parse('2024-07-22T08:00:00Z');
  it.each([
    ['120', 120_000],
    ['0', 0],
    ['Mon, 22 Jul 2024 08:00:30 GMT', 30_000],
    ['Mon, 22 Jul 2024 07:59:00 GMT', 0],
  ])('reads %j as %d ms', (header, ms) => {
    expect(parseRetryAfter(header, now)).toBe(ms);
  });
  it.each([null, '', '-5', '1.5', 'soon', 'Mon, 99 Foo 2024'])('ignores %j', (header) => {
    expect(parseRetryAfter(header, now)).toBeUndefined();
  });
});

describe('transport honours Retry-After within the budget (loopback 429s)', () => {
  let cloud: Awaited<ReturnType<typeof scriptedCloud>> | undefined;
  afterEach(async () => {
    await cloud?.stop();
    cloud = undefined;
  });

  it('waits the seconds form before the next attempt', async () => {
    cloud = await scriptedCloud([{ status: 429, retryAfter: '1' }]);
    const t = createTransport({ baseUrl: cloud.url, retry: { ...fast, budgetMs: 5000 } });

    const got = await t.request({ method: 'GET', path: '/x' });

    expect(got.reply.code).toBe('0000');
    expect(cloud.at[1]! - cloud.at[0]!).toBeGreaterThanOrEqual(950);
  });

  it('waits the HTTP-date form before the next attempt', async () => {
    cloud = await scriptedCloud([{ status: 429, retryAfter: inSeconds(2) }]);
    const t = createTransport({ baseUrl: cloud.url, retry: { ...fast, budgetMs: 5000 } });

    const got = await t.request({ method: 'GET', path: '/x' });

    expect(got.reply.code).toBe('0000');
    // An HTTP-date has whole seconds: at least one full second is left of the two.
    expect(cloud.at[1]! - cloud.at[0]!).toBeGreaterThanOrEqual(950);
  });

  it.each([
    ['seconds', '999999999'],
    ['HTTP-date', 'Fri, 31 Dec 2100 23:59:59 GMT'],
  ])('clamps a huge %s Retry-After to the remaining budget', async (_form, header) => {
    cloud = await scriptedCloud([{ status: 429, retryAfter: header }]);
    const t = createTransport({ baseUrl: cloud.url, retry: { ...fast, budgetMs: 1200 } });
    const started = Date.now();

    const got = await t.request({ method: 'GET', path: '/x' });

    expect(got.reply.code).toBe('0000');
    expect(cloud.at).toHaveLength(2);
    expect(Date.now() - started).toBeLessThan(1200 + 500);
  });

  it('gives up once the budget is spent, never waiting beyond it', async () => {
    cloud = await scriptedCloud([
      { status: 503, retryAfter: '999999999' },
      { status: 503, retryAfter: '999999999' },
      { status: 503, retryAfter: '999999999' },
    ]);
    const t = createTransport({ baseUrl: cloud.url, retry: { ...fast, budgetMs: 800 } });
    const started = Date.now();

    await expect(t.request({ method: 'GET', path: '/x' })).rejects.toThrow(/HTTP 503.*gave up/);

    expect(Date.now() - started).toBeLessThan(800 + 500);
  });
});
