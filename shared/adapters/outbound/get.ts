/**
 * GET a customer system's order feed over a connection pinned to the address the SSRF guard
 * checked (SNI and Host keep the name; no second DNS lookup, so no rebinding window). No redirect
 * is followed. Bounded: the whole exchange within `timeoutMs`, the body at most `maxBytes` (read as
 * it arrives; past the bound the connection is dropped, so a huge answer never sits in memory).
 */
import { pinnedRequest } from './pinned.js';
import { CallbackTimeout } from './post.js';

export interface GetReply {
  status: number;
  retryAfter: string | undefined;
  text: string;
}

/** The answer was larger than allowed. */
export class TooLarge extends Error {
  override readonly name = 'TooLargeError';
}

export const getPinned = (
  url: URL,
  address: string,
  headers: Record<string, string>,
  { timeoutMs, maxBytes }: { timeoutMs: number; maxBytes: number },
): Promise<GetReply> =>
  new Promise((resolve, reject) => {
    const fail = (e: Error) => {
      clearTimeout(timer);
      req.destroy();
      reject(e);
    };
    const req = pinnedRequest(url, address, { method: 'GET', headers }, (res) => {
      const declared = Number(res.headers['content-length']);
      if (Number.isFinite(declared) && declared > maxBytes)
        return fail(new TooLarge(`answer of ${declared} bytes, over ${maxBytes}`));
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size > maxBytes) fail(new TooLarge(`answer over ${maxBytes} bytes`));
        else chunks.push(c);
      });
      res.on('end', () => {
        clearTimeout(timer);
        const ra = res.headers['retry-after'];
        resolve({
          status: res.statusCode ?? 0,
          retryAfter: typeof ra === 'string' ? ra : undefined,
          text: Buffer.concat(chunks).toString('utf8'),
        });
      });
      res.on('error', (e) => fail(e));
    });
    const timer = setTimeout(
      () => req.destroy(new CallbackTimeout(`no answer within ${timeoutMs} ms`)),
      timeoutMs,
    );
    req.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    req.end();
  });
