/**
 * Where to cut a large org's full sync into time slices, found cheaply: the cloud's `total` for
 * candidate `updateTime` windows asked with `pageSize: 1`. The fullest window is halved (by time)
 * until there are enough slices or none is worth cutting. Plain functions; the probe is the port.
 */

/** When to slice a full sync and into how many parts. */
export interface SlicingOptions {
  /** A full sync of more records than this is sliced, aiming at about this many per slice. */
  sliceSize: number;
  /** Slices per run, at most (bounded: slice items are written in one transaction). */
  maxSlices: number;
}

/** Hard cap on slices per run (the plan is one DynamoDB transaction of slices + 1 items). */
export const SLICE_CAP = 32;

export const DEFAULT_SLICING: SlicingOptions = { sliceSize: 250_000, maxSlices: 16 };

/** The cloud's record count for an inclusive `updateTime` window (CST, `yyyy-MM-dd HH:mm:ss`). */
export type CountWindow = (start: string, end: string) => Promise<number>;

/** A planned slice: inclusive bounds, null = open (everything before / after). */
export interface SliceWindow {
  windowStart: string | null;
  windowEnd: string | null;
}

/** Seconds since a fixed origin of a CST wall-clock time (only differences and order matter). */
const toSec = (t: string): number => Date.parse(`${t.replace(' ', 'T')}Z`) / 1000;
const fromSec = (s: number): string =>
  new Date(s * 1000).toISOString().slice(0, 19).replace('T', ' ');

interface Part {
  start: number;
  end: number;
  total: number;
}

/** How many slices a sync of `total` records gets (1 = the single-stream path). */
export const sliceTarget = (total: number, o: SlicingOptions): number =>
  total <= o.sliceSize ? 1 : Math.min(o.maxSlices, SLICE_CAP, Math.ceil(total / o.sliceSize));

/**
 * Cut `[first, last]` (the oldest and newest `updateTime`, `total` records) into up to `target`
 * windows of similar counts. Returns contiguous windows covering all time: the first open at its
 * start, the last at its end, each reaching to where the next begins (empty parts dropped).
 * At most `4 × target` probes.
 */
export const planWindows = async (
  count: CountWindow,
  span: { first: string; last: string; total: number },
  target: number,
): Promise<SliceWindow[]> => {
  const parts: Part[] = [{ start: toSec(span.first), end: toSec(span.last), total: span.total }];
  let probes = 4 * target;
  while (parts.length < target && probes > 0) {
    // The fullest part that can still be cut (wider than one second).
    const open = parts.filter((p) => p.end > p.start && p.total > 1);
    if (!open.length) break;
    const widest = open.reduce((a, b) => (b.total > a.total ? b : a));
    const mid = Math.floor((widest.start + widest.end) / 2);
    const left = await count(fromSec(widest.start), fromSec(mid));
    probes--;
    const right = Math.max(0, widest.total - left);
    const cut: Part[] = [
      { start: widest.start, end: mid, total: left },
      { start: mid + 1, end: widest.end, total: right },
    ].filter((p) => p.total > 0);
    parts.splice(parts.indexOf(widest), 1, ...cut);
  }
  if (!parts.length) return [{ windowStart: null, windowEnd: null }];
  return parts.map((p, i) => ({
    windowStart: i === 0 ? null : fromSec(p.start),
    windowEnd: i === parts.length - 1 ? null : fromSec(parts[i + 1]!.start - 1),
  }));
};
