/**
 * Log redaction (security review L3): what reaches stdout/stderr never holds a phone number, a
 * token or a secret, whether it sits in a message, an error's stack or its cause chain.
 */
import { logger, redact } from '#shared/logger.js';
import { capturedText } from '../support/log-capture.js';

const PHONE = '13800138000';
const JWT = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1In0.c2lnbmF0dXJl';

describe('logger redaction (L3)', () => {
  it('masks phone numbers and bearer tokens in an error stack, not only its message', async () => {
    const error = new Error(`no user for phone ${PHONE} (Bearer ${JWT})`);

    const out = await capturedText(() => logger.error('unhandled error', { error }));

    expect(out).toContain('138****8000');
    expect(out).toContain('"stack"');
    expect(out).not.toContain(PHONE);
    expect(out).not.toContain(JWT);
  });

  it('masks the cause chain of an error', async () => {
    const root = new Error(`cloud said 401 for access_token=abc123secret&reqid=1`);
    const mid = new Error(`user +86 138 0013 8000 not found`, { cause: root });
    const error = new Error('sync failed', { cause: mid });

    const out = await capturedText(() => logger.error('run failed', { error }));

    expect(out).toContain('sync failed');
    expect(out).toContain('reqid=1');
    expect(out).not.toContain('abc123secret');
    expect(out).not.toMatch(/138 0013 8000/);
  });

  it.each([
    ['+8613800138000'],
    ['86-13800138000'],
    ['+86 13800138000'],
    ['0086 13800138000'],
    ['138 0013 8000'],
    ['138-0013-8000'],
    ['+86 138 0013 8000'],
  ])('masks the phone form %s', async (form) => {
    const out = await capturedText(() => logger.info(`call from ${form} today`));

    expect(out).toContain('138****8000');
    expect(out).not.toContain('0013');
    expect(out).not.toContain('00138');
  });

  it('leaves numbers that are not phone numbers alone', () => {
    expect(redact('invoice 24332000000012345678 amount 1380.50 at 1720000000')).toBe(
      'invoice 24332000000012345678 amount 1380.50 at 1720000000',
    );
  });

  it('masks tokens and secrets written into text', async () => {
    const text = [
      `GET /portal/invoice/input/list?access_token=tok-123&reqid=r1 failed`,
      `authorization: Bearer ${JWT}`,
      `token ${JWT} rejected`,
      `signing secret whsec_c2VjcmV0c2VjcmV0`,
      `{"clientSecret":"very-secret","orgId":"hz"}`,
      `client_secret=s3cr3t; password: hunter2`,
    ].join('\n');

    const out = await capturedText(() => logger.warn('cloud call', { detail: text }));

    for (const leaked of ['tok-123', JWT, 'c2VjcmV0c2VjcmV0', 'very-secret', 's3cr3t', 'hunter2'])
      expect(out).not.toContain(leaked);
    expect(out).toContain('reqid=r1');
    expect(out).toContain('hz');
  });

  it('masks secret-named fields of an error and survives a cause cycle', async () => {
    const error = Object.assign(new Error('refused'), { clientSecret: 'very-secret' });
    (error as { cause?: unknown }).cause = error;

    const out = await capturedText(() => logger.error('refused', { error }));

    expect(out).toContain('refused');
    expect(out).not.toContain('very-secret');
  });
});
