/** A callback receiver for tests and the demo: records every request; can be told to fail. */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { newFeed, serveFeed, type OrderFeed } from './order-feed.js';

export interface Received {
  headers: Record<string, string>;
  body: string;
  status: number;
  at: number;
}
export interface Receiver {
  url: string;
  received: Received[];
  /**
   * Statuses to answer next, in order (then 200). A number ≥ 300 with `location` makes a redirect.
   */
  failNext(...statuses: number[]): void;
  retryAfter?: number | undefined;
  hangNext(n: number, ms: number): void;
  /**
   * A sample order feed (the fetch contract, `docs/orders.md`) at `<url>/orders/<name>`: GET
   * requests there are served by it, not recorded as callbacks.
   */
  feed(name: string): { url: string; feed: OrderFeed };
  stop(): Promise<void>;
}

export const startReceiver = async (): Promise<Receiver> => {
  const plan: number[] = [];
  let hang = { n: 0, ms: 0 };
  const received: Received[] = [];
  const feeds = new Map<string, OrderFeed>();
  const server = createServer((req, res) => {
    const feed = /^\/orders\/([\w-]+)(?:\?|$)/.exec(req.url ?? '');
    if (req.method === 'GET' && feed && feeds.has(feed[1]!)) {
      req.resume();
      return serveFeed(feeds.get(feed[1]!)!, req, res);
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (hang.n > 0) {
        hang.n--;
        setTimeout(() => res.destroy(), hang.ms).unref();
        return;
      }
      const status = plan.shift() ?? 200;
      received.push({
        headers: req.headers as Record<string, string>,
        body: Buffer.concat(chunks).toString('utf8'),
        status,
        at: Date.now(),
      });
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (status >= 300 && status < 400) headers.location = 'http://127.0.0.1:1/elsewhere';
      if (status === 429 || status === 503) headers['retry-after'] = String(rcv.retryAfter ?? 1);
      res.writeHead(status, headers);
      res.end(JSON.stringify({ ok: status < 300 }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const rcv: Receiver = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received,
    failNext: (...s) => plan.push(...s),
    hangNext: (n, ms) => (hang = { n, ms }),
    feed: (name) => {
      if (!feeds.has(name)) feeds.set(name, newFeed());
      return { url: `${rcv.url}/orders/${name}`, feed: feeds.get(name)! };
    },
    stop: () =>
      new Promise((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
  return rcv;
};
