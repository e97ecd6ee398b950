import { CloudError } from '#shared/adapters/cloud/client.js';
import { RunFailure } from '#shared/use-cases/sync/credentials.js';
import { failureMessage, needsManualMessage } from '#shared/use-cases/sync/messages.js';

describe('run messages', () => {
  it('passes a run failure’s own message through', () => {
    expect(failureMessage(new RunFailure('org has no clientId'))).toBe('org has no clientId');
  });

  it('names rejected credentials and where to fix them, with the trace ids', () => {
    const e = new CloudError('1101', 'bad secret', false, 'r-1', 't-1');

    expect(failureMessage(e)).toBe(
      'invoice cloud rejected the client credentials (1101): ' +
        "check the org's clientId and client secret (reqid r-1, traceId t-1)",
    );
  });

  it('says a retryable cloud fault will be retried', () => {
    const e = new CloudError('HTTP_503', 'unavailable', true);

    expect(failureMessage(e)).toBe(
      'invoice cloud unavailable: unavailable; the retry job will try again',
    );
  });

  it('never shows an internal error’s details', () => {
    const msg = failureMessage(new TypeError('x is undefined at engine.ts:42'));

    expect(msg).not.toContain('engine.ts');
    expect(msg).toMatch(/^internal error while syncing/);
  });

  it('needs_manual drops the retry promise and says what to do', () => {
    const msg = needsManualMessage('invoice cloud unavailable: 503; the retry job will try again');

    expect(msg).toMatch(/^failed after 3 automatic retries: invoice cloud unavailable: 503\. /);
    expect(msg).toContain('POST /sync');
    expect(msg).not.toContain('the retry job will try again');
  });
});
