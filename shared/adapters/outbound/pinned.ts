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

export const pinnedRequest = (
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
