/** Where a large full sync is cut into `updateTime` slices (use-cases/sync/slice-plan.ts). */
import {
  planWindows,
  sliceTarget,
  SLICE_CAP,
  type SliceWindow,
} from '#shared/use-cases/sync/slice-plan.js';
import { prng } from '#simulator/data.js';

const time = (ms: number) => new Date(ms).toISOString().slice(0, 19).replace('T', ' ');

/** A sorted ledger of update times: `n` over `days`, denser towards the end when `skew`. */
const ledgerTimes = (n: number, days: number, skew = false): string[] => {
  const r = prng(7);
  const end = Date.parse('2024-07-22T00:00:00Z');
  return Array.from({ length: n }, () => {
    const x = skew ? Math.sqrt(r()) : r();
    return time(end - Math.floor((1 - x) * days * 86_400_000));
  }).sort();
};

/** The cloud's `total` for an inclusive window, counting calls. */
const counter = (times: string[]) => {
  const c = {
    calls: 0,
    count: (a: string, b: string) => {
      c.calls++;
      return Promise.resolve(times.filter((t) => t >= a && t <= b).length);
    },
  };
  return c;
};

/** Records in each window, by the same inclusive rule (null = open). */
const perWindow = (times: string[], ws: SliceWindow[]) =>
  ws.map(
    (w) =>
      times.filter(
        (t) =>
          (w.windowStart === null || t >= w.windowStart) &&
          (w.windowEnd === null || t <= w.windowEnd),
      ).length,
  );

describe('slice plan', () => {
  it.each([
    ['uniform', false],
    ['skewed to recent', true],
  ])(
    '%s ledger: 8 contiguous windows covering every record once, similar sizes',
    async (_, skew) => {
      const times = ledgerTimes(5000, 730, skew);
      const c = counter(times);
      const ws = await planWindows(
        c.count,
        { first: times[0]!, last: times.at(-1)!, total: 5000 },
        8,
      );

      expect(ws).toHaveLength(8);
      expect(ws[0]!.windowStart).toBeNull();
      expect(ws.at(-1)!.windowEnd).toBeNull();
      // Contiguous: each window starts one second after the previous one ends.
      for (let i = 1; i < ws.length; i++)
        expect(Date.parse(`${ws[i]!.windowStart!.replace(' ', 'T')}Z`)).toBe(
          Date.parse(`${ws[i - 1]!.windowEnd!.replace(' ', 'T')}Z`) + 1000,
        );
      const counts = perWindow(times, ws);
      expect(counts.reduce((a, b) => a + b, 0)).toBe(5000);
      expect(Math.max(...counts)).toBeLessThanOrEqual(2 * (5000 / 8));
      expect(c.calls).toBeLessThanOrEqual(4 * 8);
    },
  );

  it('all records in one second: one window, never an endless cut', async () => {
    const times = Array.from({ length: 3000 }, () => '2024-07-22 10:00:00');
    const c = counter(times);
    const ws = await planWindows(c.count, { first: times[0]!, last: times[0]!, total: 3000 }, 8);
    expect(ws).toEqual([{ windowStart: null, windowEnd: null }]);
    expect(c.calls).toBe(0);
  });

  it('slice count: 1 up to the slice size, then total ÷ size, capped', () => {
    const o = { sliceSize: 50_000, maxSlices: 16 };
    expect(sliceTarget(50_000, o)).toBe(1);
    expect(sliceTarget(50_001, o)).toBe(2);
    expect(sliceTarget(200_000, o)).toBe(4);
    expect(sliceTarget(10_000_000, o)).toBe(16);
    expect(sliceTarget(10_000_000, { sliceSize: 1, maxSlices: 1000 })).toBe(SLICE_CAP);
  });
});
