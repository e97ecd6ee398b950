/**
 * Security review L1: the callback SSRF guard refuses every address that is not public unicast,
 * whatever form it is written in (the URL parser's hex IPv4-mapped form included), and outside
 * local mode allows only port 443.
 */
import { assertSafeCallbackUrl } from '#shared/adapters/outbound/url-guard.js';

const outside = (url: string, resolved: string[] = ['93.184.216.34']) =>
  assertSafeCallbackUrl(url, false, async () => resolved);
const refusal = {
  status: 400,
  details: [expect.objectContaining({ path: 'callbackUrl' })],
};

describe('callback SSRF guard (L1)', () => {
  it.each([
    // IPv4-mapped IPv6, as written and as the URL parser rewrites it
    ['https://[::ffff:127.0.0.1]/hook', 'mapped loopback'],
    ['https://[::ffff:7f00:1]/hook', 'mapped loopback, hex'],
    ['https://[::ffff:10.0.0.1]/hook', 'mapped private'],
    ['https://[::ffff:169.254.169.254]/latest/meta-data/', 'mapped metadata'],
    ['https://[::ffff:0:7f00:1]/hook', 'SIIT (rfc6145) loopback'],
    ['https://[::127.0.0.1]/hook', 'IPv4-compatible loopback'],
    ['https://[64:ff9b::7f00:1]/hook', 'NAT64 of loopback'],
    ['https://[64:ff9b::a00:1]/hook', 'NAT64 of 10.0.0.1'],
    ['https://[64:ff9b:1::a00:1]/hook', 'local-use NAT64'],
    ['https://[fec0::1]/hook', 'site-local'],
    ['https://[ff02::1]/hook', 'multicast, link scope'],
    ['https://[ff0e::1]/hook', 'multicast, global scope'],
    ['https://[fe80::1]/hook', 'link-local'],
    ['https://[fd00::1]/hook', 'unique local'],
    ['https://[::1]/hook', 'loopback'],
    ['https://[::]/hook', 'unspecified'],
    ['https://[2002:7f00:1::]/hook', '6to4'],
    ['https://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/hook', 'Teredo'],
    ['https://[2001:db8::1]/hook', 'IPv6 documentation'],
    ['https://[100::1]/hook', 'discard'],
    ['https://127.0.0.1/hook', 'loopback'],
    ['https://2130706433/hook', 'loopback, one decimal number'],
    ['https://0x7f.1/hook', 'loopback, hex shorthand'],
    ['https://0.0.0.0/hook', 'unspecified'],
    ['https://10.0.0.1/hook', 'private'],
    ['https://172.16.0.1/hook', 'private'],
    ['https://192.168.1.1/hook', 'private'],
    ['https://169.254.169.254/hook', 'link-local (metadata)'],
    ['https://100.64.0.1/hook', 'CGNAT'],
    ['https://198.18.0.1/hook', 'benchmarking'],
    ['https://192.0.0.1/hook', 'IETF protocol assignments'],
    ['https://192.0.2.1/hook', 'documentation'],
    ['https://198.51.100.1/hook', 'documentation'],
    ['https://203.0.113.1/hook', 'documentation'],
    ['https://224.0.0.1/hook', 'multicast'],
    ['https://240.0.0.1/hook', 'reserved'],
    ['https://255.255.255.255/hook', 'broadcast'],
  ])('refuses %s (%s)', async (url) => {
    await expect(outside(url)).rejects.toMatchObject(refusal);
  });

  it.each([
    ['::ffff:127.0.0.1', 'mapped loopback'],
    ['::ffff:a9fe:a9fe', 'mapped metadata, hex'],
    ['64:ff9b::a9fe:a9fe', 'NAT64 of metadata'],
    ['fec0::1', 'site-local'],
    ['10.1.2.3', 'private'],
  ])('refuses a host name resolving to %s (%s)', async (address) => {
    await expect(outside('https://hooks.customer.example/cb', [address])).rejects.toMatchObject(
      refusal,
    );
  });

  it('refuses a host name when any one of its addresses is not public', async () => {
    await expect(
      outside('https://hooks.customer.example/cb', ['93.184.216.34', '::ffff:10.0.0.1']),
    ).rejects.toMatchObject(refusal);
  });

  it.each([
    'https://hooks.customer.example:8443/cb',
    'https://hooks.customer.example:22/cb',
    'https://hooks.customer.example:80/cb',
  ])('refuses %s: only port 443 outside local mode', async (url) => {
    await expect(outside(url)).rejects.toMatchObject(refusal);
  });

  it.each([
    ['https://hooks.customer.example/cb', ['93.184.216.34'], ['93.184.216.34']],
    ['https://hooks.customer.example:443/cb', ['93.184.216.34'], ['93.184.216.34']],
    ['https://hooks.customer.example/cb', ['2606:4700:4700::1111'], ['2606:4700:4700::1111']],
    ['https://[2606:4700:4700::1111]/cb', [], ['2606:4700:4700::1111']],
    // A public IPv4 written IPv4-mapped is checked, and pinned, as the IPv4 address it is.
    ['https://hooks.customer.example/cb', ['::ffff:93.184.216.34'], ['93.184.216.34']],
  ])('accepts %s resolving to %j and pins %j', async (url, resolved, pinned) => {
    await expect(outside(url, resolved)).resolves.toEqual(pinned);
  });

  it('local mode allows loopback on any port (http too), and nothing private', async () => {
    await expect(assertSafeCallbackUrl('http://127.0.0.1:9/x', true)).resolves.toEqual([
      '127.0.0.1',
    ]);
    await expect(assertSafeCallbackUrl('http://[::ffff:127.0.0.1]:9/x', true)).resolves.toEqual([
      '127.0.0.1',
    ]);
    await expect(assertSafeCallbackUrl('https://10.0.0.1/', true)).rejects.toMatchObject(refusal);
    await expect(assertSafeCallbackUrl('http://[::ffff:10.0.0.1]/', true)).rejects.toMatchObject(
      refusal,
    );
  });
});
