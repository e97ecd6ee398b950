/**
 * Callback target checks: https on port 443 outside local mode, and only public unicast addresses,
 * whatever form an address is written in.
 */
import { lookup } from 'node:dns/promises';
import ipaddr from 'ipaddr.js';
import { BadRequest } from '../../domain/errors.js';

type Address = ipaddr.IPv4 | ipaddr.IPv6;

/**
 * The address as it is reached: an IPv4-mapped IPv6 address (`::ffff:a.b.c.d`, which the URL parser
 * writes `::ffff:7f00:1`) is the IPv4 address it maps to. `null` when `ip` is not an address.
 */
const canonical = (ip: string): Address | null => {
  if (!ipaddr.isValid(ip)) return null;
  const a = ipaddr.parse(ip);
  return a.kind() === 'ipv6' && (a as ipaddr.IPv6).isIPv4MappedAddress()
    ? (a as ipaddr.IPv6).toIPv4Address()
    : a;
};

/**
 * Public unicast only. IPv4: every special range ipaddr.js knows is refused (private, loopback,
 * link-local, CGNAT, benchmarking 198.18/15, 192.0.0/24, documentation, multicast, reserved,
 * broadcast, …). IPv6: only global unicast (2000::/3) outside every special range, which refuses
 * loopback, unspecified, IPv4-compatible, link- and site-local, ULA, multicast, NAT64, SIIT,
 * 6to4, Teredo, documentation and the rest.
 */
const isPublicUnicast = (a: Address): boolean => {
  if (a.range() !== 'unicast') return false;
  if (a.kind() === 'ipv4') return true;
  const first = (a as ipaddr.IPv6).parts[0]!;
  return first >= 0x2000 && first <= 0x3fff;
};

const isLoopback = (a: Address): boolean => a.range() === 'loopback';

/** True for anything a callback must never reach (an unparsable address included). */
export const isPrivateAddress = (ip: string): boolean => {
  const a = canonical(ip);
  return !a || !isPublicUnicast(a);
};

const bad = (message: string) =>
  new BadRequest(`callbackUrl ${message}`, [{ path: 'callbackUrl', message }]);

const parseUrl = (raw: string): URL => {
  try {
    return new URL(raw);
  } catch {
    throw new BadRequest('callbackUrl is not a URL', [
      { path: 'callbackUrl', message: 'not a URL' },
    ]);
  }
};

/**
 * Check a callback URL (at registration and again before each send) and return the addresses to
 * connect to, canonical (mapped IPv4 as IPv4), so the connection is pinned to what was checked.
 * Outside local mode: https on port 443 only, every address public unicast. Local mode also allows
 * loopback, on any port, and plain http, but only to loopback.
 */
export const assertSafeCallbackUrl = async (
  raw: string,
  localMode: boolean,
  resolve: (host: string) => Promise<string[]> = async (h) =>
    (await lookup(h, { all: true })).map((a) => a.address),
): Promise<string[]> => {
  const url = parseUrl(raw);
  if (url.username || url.password) throw bad('must not carry credentials');
  if (url.protocol !== 'https:' && !(localMode && url.protocol === 'http:'))
    throw bad('must use https');
  // The URL parser drops a scheme's default port: '' is 443 for https.
  if (!localMode && url.port !== '') throw bad('must use port 443');
  const host = url.hostname.replace(/^\[|\]$/g, '');
  let found: string[];
  try {
    found = ipaddr.isValid(host) ? [host] : await resolve(host);
  } catch {
    throw bad(`host ${host} does not resolve`);
  }
  if (!found.length) throw bad(`host ${host} does not resolve`);
  const addresses = found.map((ip) => {
    const a = canonical(ip);
    if (!a || !(isPublicUnicast(a) || (localMode && isLoopback(a))))
      throw bad(`resolves to a private or reserved address, not public unicast (${ip})`);
    return a;
  });
  if (localMode && url.protocol === 'http:' && !addresses.every(isLoopback))
    throw bad('may use http only to loopback in local mode');
  return addresses.map((a) => a.toString());
};
