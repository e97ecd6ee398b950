/**
 * Reliability tests print their figures straight to stderr (visible in CI output, not swallowed by
 * jest).
 */
export const figure = (line: string): void => {
  process.stderr.write(`  ▸ ${line}\n`);
};

/** CI size by default; RELIABILITY_FULL=1 for the full sizes of issue 8. */
export const FULL = process.env.RELIABILITY_FULL === '1';

/** Deterministic pseudo-random numbers for reproducible fault points. */
export const seeded = (seed: number) => {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
};
