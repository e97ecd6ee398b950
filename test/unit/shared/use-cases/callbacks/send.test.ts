import {
  DEFAULT_RETRY_DELAYS,
  hopDelaySeconds,
  nextAttemptAt,
} from '#shared/use-cases/callbacks/send.js';

const NOW = Date.parse('2024-07-01T00:00:00.000Z');
const failed = (over: { permanent?: boolean; retryAfter?: number } = {}) => ({
  attempt: { ok: false },
  permanent: false,
  ...over,
});

describe('the callback retry schedule', () => {
  it('spreads 7 attempts over more than 24 hours by default', () => {
    const totalSeconds = DEFAULT_RETRY_DELAYS.reduce((a, b) => a + b, 0);

    expect(DEFAULT_RETRY_DELAYS).toHaveLength(6);
    expect(totalSeconds).toBeGreaterThanOrEqual(24 * 3600);
  });

  it('waits the schedule’s delay after a failed attempt', () => {
    expect(nextAttemptAt(DEFAULT_RETRY_DELAYS, 0, NOW, failed())).toBe(NOW + 60_000);
    expect(nextAttemptAt(DEFAULT_RETRY_DELAYS, 2, NOW, failed())).toBe(NOW + 1_800_000);
  });

  it('honours a longer Retry-After, never a shorter one', () => {
    expect(nextAttemptAt([60], 0, NOW, failed({ retryAfter: 600 }))).toBe(NOW + 600_000);
    expect(nextAttemptAt([60], 0, NOW, failed({ retryAfter: 5 }))).toBe(NOW + 60_000);
  });

  it('stops after a delivery, a permanent failure, or the last attempt', () => {
    const delivered = { attempt: { ok: true }, permanent: false };

    expect(nextAttemptAt([60], 0, NOW, delivered)).toBeNull();
    expect(nextAttemptAt([60], 0, NOW, failed({ permanent: true }))).toBeNull();
    expect(nextAttemptAt([60], 1, NOW, failed())).toBeNull();
  });
});

describe('hop delays', () => {
  it('delays a hop by what is left of the wait, at most SQS’s 15 minutes', () => {
    expect(hopDelaySeconds(NOW + 1500, NOW)).toBe(2);
    expect(hopDelaySeconds(NOW + 3_600_000, NOW)).toBe(900);
    expect(hopDelaySeconds(NOW - 1000, NOW)).toBe(0);
  });
});
