/**
 * POST to a callback URL over a connection pinned to an address the SSRF guard already checked
 * (`pinned.ts`). The whole exchange is bounded by `timeoutMs`; the reply keeps its first 1 KB.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { pinnedRequest } from './pinned.js';

export interface PostReply {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
}

export class CallbackTimeout extends Error {
  override readonly name = 'TimeoutError';
}

export const postPinned = (
  url: URL,
  address: string,
  headers: Record<string, string>,
  body: string,
  timeoutMs: number,
): Promise<PostReply> =>
  new Promise((resolve, reject) => {
    const req = pinnedRequest(
      url,
      address,
      {
        method: 'POST',
        headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        let kept = 0;
        res.on('data', (c: Buffer) => {
          if (kept < 1024) chunks.push(c);
          kept += c.length;
        });
        res.on('end', () => {
          clearTimeout(timer);
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            text: Buffer.concat(chunks).toString('utf8').slice(0, 1024),
          });
        });
        res.on('error', reject);
      },
    );
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
