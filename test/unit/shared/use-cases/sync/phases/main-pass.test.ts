import {
  checkTotal,
  expectedOn,
  firstProgress,
  MAX_RUN_PAGES,
} from '#shared/use-cases/sync/phases/main-pass.js';
import type { Run, RunProgress } from '#shared/domain/schemas/sync.js';

const run = (over: Partial<Run> = {}) => ({ progress: null, dataDate: null, ...over }) as Run;

describe('where a run starts (firstProgress)', () => {
  it('a dated run reads that CST day', () => {
    expect(firstProgress(run({ dataDate: '2024-07-01' }), 50)).toEqual({
      phase: 'main',
      windowStart: '2024-07-01 00:00:00',
      windowEnd: '2024-07-01 23:59:59',
      pageSize: 50,
      nextPage: null,
      total: null,
    });
  });

  it('a resumed run carries on from its checkpoint', () => {
    const progress = { phase: 'catchup', windowStart: 'a', windowEnd: 'b' } as Run['progress'];

    expect(firstProgress(run({ progress }))).toBe(progress);
  });
});

describe('page checks', () => {
  const p = (total: number): RunProgress => ({
    phase: 'main',
    windowStart: null,
    windowEnd: null,
    pageSize: 10,
    nextPage: 3,
    total,
  });

  it('expects full pages below the last, at least one record on the last', () => {
    expect(expectedOn(2, p(25))).toBe(10);
    expect(expectedOn(3, p(25))).toBe(1);
    expect(expectedOn(1, p(0))).toBe(0);
  });

  it('refuses a window larger than one run reads, saying what to do', () => {
    expect(() => checkTotal(MAX_RUN_PAGES * 10 + 1, 10, 0)).toThrow(/sync shorter windows/);
    expect(() => checkTotal(-1, 10, 0)).toThrow();
    expect(() => checkTotal(1000, 10, 0)).not.toThrow();
  });
});
