/** Small helpers of the fleet bench: bounded fan-out, a semaphore, percentiles, run outcomes. */
import type { SQSEvent } from 'aws-lambda';
import type { Stores } from '#shared/deps.js';

/** Runs `fn` over `items`, at most `limit` at a time. */
export const mapLimit = async <T>(
  items: T[],
  limit: number,
  fn: (t: T, i: number) => Promise<void>,
): Promise<void> => {
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const i = next++;
      await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
};

/** At most `n` holders at once, the others queued in arrival order. */
export const semaphore = (n: number) => {
  let free = n;
  const waiting: (() => void)[] = [];
  return {
    acquire: () =>
      free > 0
        ? (free--, Promise.resolve())
        : new Promise<void>((resolve) => waiting.push(resolve)),
    release: () => {
      const next = waiting.shift();
      if (next) next();
      else free++;
    },
  };
};

/** The p-th percentile (nearest rank) of sorted `xs`; 0 when empty. */
export const percentile = (xs: number[], p: number) =>
  xs.length ? xs[Math.min(xs.length - 1, Math.ceil((p / 100) * xs.length) - 1)]! : 0;

/** The status of the run a sync message names, after its invocation. */
export const syncOutcome = async (runs: Stores['runs'], event: SQSEvent) => {
  const body = event.Records[0]?.body;
  if (!body) return undefined;
  const { runId } = JSON.parse(body) as { runId: string };
  return (await runs.get(runId))?.status;
};
