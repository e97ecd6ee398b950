/**
 * A sample order feed, as a customer system implements the fetch contract (`docs/orders.md`):
 * `GET <feed url>?limit=<1..100>[&cursor=<opaque>]`, signed the Standard Webhooks way over
 * `id.timestamp.<request target>` (checked here independently of the product's signer, with a
 * 5-minute tolerance), answering `{orders, nextCursor}`. For tests and the demo it can repeat the
 * last orders of the previous page, fail on demand, and misbehave (huge, redirecting, slow).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

export type Hostility = 'huge' | 'redirect' | 'slow' | 'not-json';

export interface FeedRequest {
  target: string;
  verified: boolean;
  status: number;
  webhookId: string | undefined;
}

export interface OrderFeed {
  /** The feed's orders in order; push more to make new ones appear. */
  orders: Record<string, unknown>[];
  /** The system's `whsec_` secret (from its registration); unset: every request is refused. */
  secret: string | undefined;
  /** Most orders per page, whatever `limit` asks. */
  pageSize: number;
  /** Orders of the previous page repeated at the start of each page (at-least-once feeds). */
  repeat: number;
  /** Misbehave on every request until cleared. */
  hostile: Hostility | null;
  requests: FeedRequest[];
  /** Statuses the next requests are answered with, in order, before pages are served again. */
  failing: number[];
  /** Answer the next `n` requests with `status` (default 503) before serving pages again. */
  failNext(n: number, status?: number): void;
}

export const newFeed = (): OrderFeed => {
  const feed: OrderFeed = {
    orders: [],
    secret: undefined,
    pageSize: 100,
    repeat: 0,
    hostile: null,
    requests: [],
    failing: [],
    failNext: (n, status = 503) => {
      for (let i = 0; i < n; i++) feed.failing.push(status);
    },
  };
  return feed;
};

const TOLERANCE_S = 300;
const encode = (pos: number) => Buffer.from(`p:${pos}`).toString('base64url');
const decode = (c: string | null): number | null => {
  if (c === null) return 0;
  const m = /^p:(\d{1,9})$/.exec(Buffer.from(c, 'base64url').toString('utf8'));
  return m ? Number(m[1]) : null;
};

/** Standard Webhooks verification of a GET: the signed content is `id.timestamp.target`. */
const verify = (req: IncomingMessage, secret: string | undefined): boolean => {
  const id = req.headers['webhook-id'];
  const ts = req.headers['webhook-timestamp'];
  const sig = req.headers['webhook-signature'];
  if (!secret || typeof id !== 'string' || typeof ts !== 'string' || typeof sig !== 'string')
    return false;
  if (Math.abs(Date.now() / 1000 - Number(ts)) > TOLERANCE_S) return false;
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  const want = createHmac('sha256', key)
    .update(`${id}.${ts}.${req.url ?? ''}`)
    .digest();
  return sig.split(' ').some((s) => {
    const [v, b64] = s.split(',');
    const got = Buffer.from(b64 ?? '', 'base64');
    return v === 'v1' && got.length === want.length && timingSafeEqual(got, want);
  });
};

const send = (res: ServerResponse, status: number, body: unknown, headers = {}) => {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
};

const misbehave = (res: ServerResponse, how: Hostility): number => {
  if (how === 'redirect') {
    res.writeHead(302, { location: 'http://127.0.0.1:1/elsewhere' }).end();
    return 302;
  }
  if (how === 'not-json') {
    res.writeHead(200, { 'content-type': 'text/html' }).end('<html>login</html>');
    return 200;
  }
  if (how === 'slow') {
    // Answers long after any caller's timeout (the socket closes with the server).
    setTimeout(() => send(res, 200, { orders: [], nextCursor: null }), 60_000).unref();
    return 200;
  }
  // huge: 3 MB of orders, streamed without a length.
  res.writeHead(200, { 'content-type': 'application/json' });
  const chunk = JSON.stringify({ orderNo: 'X', pad: 'x'.repeat(1000) });
  res.write('{"orders":[');
  for (let i = 0; i < 3000; i++) res.write(i ? `,${chunk}` : chunk);
  res.end('],"nextCursor":null}');
  return 200;
};

/** Serve one request to `feed`. */
export const serveFeed = (feed: OrderFeed, req: IncomingMessage, res: ServerResponse): void => {
  const u = new URL(req.url ?? '/', 'http://feed');
  const record = (status: number, verified: boolean) => {
    const id = req.headers['webhook-id'];
    feed.requests.push({
      target: req.url ?? '',
      verified,
      status,
      webhookId: typeof id === 'string' ? id : undefined,
    });
  };
  const verified = verify(req, feed.secret);
  if (!verified) {
    record(401, false);
    return send(res, 401, { error: 'bad signature' });
  }
  const fail = feed.failing.shift();
  if (fail !== undefined) {
    record(fail, true);
    return send(res, fail, { error: 'failing on purpose' }, { 'retry-after': '0' });
  }
  if (feed.hostile) return record(misbehave(res, feed.hostile), true);
  const limit = Number(u.searchParams.get('limit'));
  const pos = decode(u.searchParams.get('cursor'));
  if (!Number.isInteger(limit) || limit < 1 || limit > 100 || pos === null) {
    record(400, true);
    return send(res, 400, { error: 'limit 1..100 and a cursor this feed gave are required' });
  }
  const size = Math.min(limit, feed.pageSize);
  const from = Math.max(0, pos - feed.repeat);
  const end = Math.min(feed.orders.length, pos + Math.max(1, size - (pos - from)));
  record(200, true);
  send(res, 200, {
    orders: feed.orders.slice(from, end),
    nextCursor: end > pos ? encode(end) : null,
  });
};
