import { nextPass } from '#shared/use-cases/sync/phases/catch-up.js';
import type { Progress } from '#shared/use-cases/sync/phases/run-session.js';

const read = (over: Partial<Progress>): Progress => ({
  phase: 'main',
  windowStart: null,
  windowEnd: null,
  pageSize: 100,
  nextPage: 0,
  total: 250,
  passInvocation: 1,
  ...over,
});
const facts = {
  since: '2024-07-02 09:00:00',
  invocation: 1,
  clock: () => new Date('2024-07-02T01:00:00.000Z'),
};

describe('after a pass (nextPass)', () => {
  it('a main pass over everything is followed by a catch-up from the run’s start', () => {
    expect(nextPass(read({}), facts)).toEqual({
      phase: 'catchup',
      windowStart: '2024-07-02 09:00:00',
      windowEnd: '2024-07-04 08:00:00',
      pageSize: 100,
      nextPage: null,
      total: null,
    });
  });

  it('a dated main pass reaching past the run’s start catches up to its own end', () => {
    const p = read({ windowStart: '2024-07-02 00:00:00', windowEnd: '2024-07-02 23:59:59' });

    expect(nextPass(p, facts)).toMatchObject({
      phase: 'catchup',
      windowStart: facts.since,
      windowEnd: '2024-07-02 23:59:59',
    });
  });

  it('a dated main pass ending before the run started needs no catch-up', () => {
    const p = read({ windowStart: '2024-07-01 00:00:00', windowEnd: '2024-07-01 23:59:59' });

    expect(nextPass(p, facts).phase).toBe('done');
  });

  it('a catch-up pass read in one invocation ends the run', () => {
    expect(nextPass(read({ phase: 'catchup', passStartedAt: 'x' }), facts).phase).toBe('done');
  });

  it('an interrupted catch-up pass is read again from when it began', () => {
    const p = read({ phase: 'catchup', passInvocation: 0, passStartedAt: '2024-07-02 09:30:00' });

    expect(nextPass(p, facts)).toMatchObject({
      phase: 'catchup',
      windowStart: '2024-07-02 09:30:00',
      nextPage: null,
      total: null,
    });
  });
});
