/**
 * GET a customer system's order feed over a connection pinned to the address the SSRF guard
 * checked (SNI and Host keep the name; no second DNS lookup, so no rebinding window). No redirect
 * is followed. Bounded: the whole exchange within `timeoutMs`, the body at most `maxBytes` (read as
 * it arrives; past the bound the connection is dropped, so a huge answer never sits in memory).
 */
import { pinnedExchange } from './pinned.js';

export interface GetReply {
  status: number;
  retryAfter: string | undefined;
  text: string;
}

/** The answer was larger than allowed. */
export class TooLarge extends Error {
  override readonly name = 'TooLargeError';
}

export const getPinned = async (
  url: URL,
  address: string,
  headers: Record<string, string>,
  { timeoutMs, maxBytes }: { timeoutMs: number; maxBytes: number },
): Promise<GetReply> => {
  const chunks: Buffer[] = [];
  let size = 0;
  const res = await pinnedExchange(url, address, { method: 'GET', headers }, undefined, timeoutMs, {
    head: (r) => {
      const declared = Number(r.headers['content-length']);
      return Number.isFinite(declared) && declared > maxBytes
        ? new TooLarge(`answer of ${declared} bytes, over ${maxBytes}`)
        : undefined;
    },
    chunk: (c) => {
      size += c.length;
      if (size > maxBytes) return new TooLarge(`answer over ${maxBytes} bytes`);
      chunks.push(c);
      return undefined;
    },
  });
  const ra = res.headers['retry-after'];
  return {
    status: res.statusCode ?? 0,
    retryAfter: typeof ra === 'string' ? ra : undefined,
    text: Buffer.concat(chunks).toString('utf8'),
  };
};
