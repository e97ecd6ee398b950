/** Callback target checks: https outside local mode, never a private, loopback or link-local address. */
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { BadRequest } from '../errors.js';

const v4Private = (ip: string): boolean => {
  const [a, b] = ip.split('.').map(Number) as [number, number];
  return (
    a === 10 ||
    a === 127 ||
    a === 0 ||
    (a === 169 && b === 254) ||
    (a === 172 && b >= 16 && b <= 31) ||
    (a === 192 && b === 168) ||
    (a === 100 && b >= 64 && b <= 127) ||
    a >= 224
  );
};
export const isPrivateAddress = (ip: string): boolean => {
  if (isIP(ip) === 4) return v4Private(ip);
  const v6 = ip.toLowerCase();
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(v6);
  if (mapped) return v4Private(mapped[1]!);
  return (
    v6 === '::1' ||
    v6 === '::' ||
    v6.startsWith('fe8') ||
    v6.startsWith('fe9') ||
    v6.startsWith('fea') ||
    v6.startsWith('feb') ||
    v6.startsWith('fc') ||
    v6.startsWith('fd')
  );
};
const isLoopback = (ip: string) => ip.startsWith('127.') || ip === '::1';

/**
 * Check a callback URL (at registration and again before each send). Local mode also allows plain http,
 * but only to loopback. Returns the resolved addresses.
 */
export const assertSafeCallbackUrl = async (
  raw: string,
  localMode: boolean,
  resolve: (host: string) => Promise<string[]> = async (h) =>
    (await lookup(h, { all: true })).map((a) => a.address),
): Promise<string[]> => {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new BadRequest('callbackUrl is not a URL', [
      { path: 'callbackUrl', message: 'not a URL' },
    ]);
  }
  const bad = (message: string) =>
    new BadRequest(`callbackUrl ${message}`, [{ path: 'callbackUrl', message }]);
  if (url.username || url.password) throw bad('must not carry credentials');
  if (url.protocol !== 'https:' && !(localMode && url.protocol === 'http:'))
    throw bad('must use https');
  const host = url.hostname.replace(/^\[|\]$/g, '');
  let addresses: string[];
  try {
    addresses = isIP(host) ? [host] : await resolve(host);
  } catch {
    throw bad(`host ${host} does not resolve`);
  }
  if (!addresses.length) throw bad(`host ${host} does not resolve`);
  for (const ip of addresses) {
    if (localMode && isLoopback(ip)) continue;
    if (isPrivateAddress(ip))
      throw bad(`resolves to a private, loopback or link-local address (${ip})`);
  }
  if (localMode && url.protocol === 'http:' && !addresses.every(isLoopback))
    throw bad('may use http only to loopback in local mode');
  return addresses;
};
