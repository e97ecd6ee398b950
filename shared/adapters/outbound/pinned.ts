/**
 * An HTTP(S) request whose connection goes to `address`, the one the SSRF guard checked: the host
 * name still travels as SNI and Host, but no second DNS lookup happens (no rebinding window).
 * Node's client follows no redirects.
 */
import {
  request as httpRequest,
  type ClientRequest,
  type IncomingMessage,
  type RequestOptions,
} from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP, type LookupFunction } from 'node:net';

const pinnedRequest = (
  url: URL,
  address: string,
  options: RequestOptions,
  onResponse: (res: IncomingMessage) => void,
): ClientRequest => {
  const family = isIP(address) === 6 ? 6 : 4;
  const lookup = ((_host: string, opts: { all?: boolean }, cb: (...a: unknown[]) => void) =>
    opts.all
      ? cb(null, [{ address, family }])
      : cb(null, address, family)) as unknown as LookupFunction;
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return send(url, { ...options, lookup }, onResponse);
};

class CallbackTimeout extends Error {
  override readonly name = 'TimeoutError';
}

/** How one exchange reads its answer: an Error returned refuses it and ends the exchange. */
export interface AnswerReader {
  head?(res: IncomingMessage): Error | undefined;
  chunk(c: Buffer): Error | undefined;
}

/**
 * One request and its answer over a pinned connection, the whole exchange within `timeoutMs`
 * (then a CallbackTimeout). Resolves with the response once its body has ended.
 */
export const pinnedExchange = (
  url: URL,
  address: string,
  options: RequestOptions,
  body: string | undefined,
  timeoutMs: number,
  read: AnswerReader,
): Promise<IncomingMessage> =>
  new Promise((resolve, reject) => {
    const fail = (e: Error) => {
      clearTimeout(timer);
      req.destroy();
      reject(e);
    };
    const req = pinnedRequest(url, address, options, (res) => {
      const refused = read.head?.(res);
      if (refused) return fail(refused);
      res.on('data', (c: Buffer) => {
        const e = read.chunk(c);
        if (e) fail(e);
      });
      res.on('end', () => {
        clearTimeout(timer);
        resolve(res);
      });
      res.on('error', fail);
    });
    const timer = setTimeout(
      () => req.destroy(new CallbackTimeout(`no answer within ${timeoutMs} ms`)),
      timeoutMs,
    );
    req.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    req.end(body);
  });
