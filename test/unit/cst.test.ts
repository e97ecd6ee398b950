import { addDays, cstDate, cstDateTime, isCalendarDate } from '#shared/domain/time/cst.js';
import { redact } from '#shared/logger.js';
import { isPrivateAddress } from '#shared/adapters/outbound/url-guard.js';

describe('China time', () => {
  it('a UTC evening is the next CST day', () => {
    expect(cstDate(new Date('2024-07-22T16:30:00Z'))).toBe('2024-07-23');
    expect(cstDateTime(new Date('2024-07-22T15:30:00Z'))).toBe('2024-07-22 23:30:00');
    expect(addDays('2024-03-01', -1)).toBe('2024-02-29');
  });
  it('only real calendar days are dates', () => {
    expect(isCalendarDate('2024-13-40')).toBe(false);
    expect(isCalendarDate('2023-02-29')).toBe(false);
    expect(isCalendarDate('2024-02-29')).toBe(true);
  });
});

describe('log redaction and address checks', () => {
  it('masks phone numbers, bearer tokens and secret-named fields', () => {
    expect(
      redact({
        msg: 'user 13800138000 called',
        headers: { authorization: 'Bearer abc.def' },
        clientSecret: 'x',
      }),
    ).toEqual({
      msg: 'user 138****8000 called',
      headers: { authorization: '***' },
      clientSecret: '***',
    });
    expect(redact('Bearer abc.def.ghi')).toBe('Bearer ***');
  });
  it('private, loopback and link-local addresses are private', () => {
    for (const ip of [
      '10.0.0.1',
      '127.0.0.1',
      '169.254.169.254',
      '172.16.0.1',
      '192.168.1.1',
      '::1',
      'fe80::1',
      '::ffff:10.0.0.1',
    ])
      expect([ip, isPrivateAddress(ip)]).toEqual([ip, true]);
    for (const ip of ['8.8.8.8', '2001:4860:4860::8888']) expect(isPrivateAddress(ip)).toBe(false);
  });
});

describe('callback retry schedule', () => {
  it('defaults to at least 6 attempts spread over at least 24 hours', async () => {
    const { DEFAULT_RETRY_DELAYS } = await import('#shared/use-cases/callbacks/send.js');
    expect(DEFAULT_RETRY_DELAYS.length + 1).toBeGreaterThanOrEqual(6);
    expect(DEFAULT_RETRY_DELAYS.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(24 * 3600);
  });
});
