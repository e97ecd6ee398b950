/**
 * POST to a callback URL over a connection pinned to an address the SSRF guard already checked
 * (`pinned.ts`). The whole exchange is bounded by `timeoutMs`; the reply keeps its first 1 KB.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { pinnedExchange } from './pinned.js';

export interface PostReply {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
}

/** Kept from an answer: its first 1 KB. */
const KEEP = 1024;

export const postPinned = async (
  url: URL,
  address: string,
  headers: Record<string, string>,
  body: string,
  timeoutMs: number,
): Promise<PostReply> => {
  const chunks: Buffer[] = [];
  let kept = 0;
  const options = {
    method: 'POST',
    headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
  };
  const res = await pinnedExchange(url, address, options, body, timeoutMs, {
    chunk: (c) => {
      if (kept < KEEP) chunks.push(c);
      kept += c.length;
      return undefined;
    },
  });
  return {
    status: res.statusCode ?? 0,
    headers: res.headers,
    text: Buffer.concat(chunks).toString('utf8').slice(0, KEEP),
  };
};
