/**
 * Test doubles of the `Metrics` port: a recording one, and a reader of the EMF documents the
 * Powertools adapter writes to stdout.
 */
import type { MetricDims, MetricName } from '#shared/metrics.js';
import type { Metrics } from '#shared/ports.js';

export interface Recorded {
  name: MetricName;
  dims: Record<string, string>;
  value: number;
}

/** Metrics that keep every recorded value; `flush` is counted. */
export const recordingMetrics = (): Metrics & { recorded: Recorded[]; flushes: number } => {
  const m = {
    recorded: [] as Recorded[],
    flushes: 0,
    count: <N extends MetricName>(name: N, dims: MetricDims<N>, value = 1) => {
      m.recorded.push({ name, dims: dims as Record<string, string>, value });
    },
    ms: <N extends MetricName>(name: N, dims: MetricDims<N>, value: number) => {
      m.recorded.push({ name, dims: dims as Record<string, string>, value });
    },
    flush: () => {
      m.flushes++;
    },
  };
  return m;
};

/** The total recorded for `name` with dimension `dim` = `value`. */
export const total = (m: { recorded: Recorded[] }, name: MetricName, dim: string, value: string) =>
  m.recorded
    .filter((r) => r.name === name && r.dims[dim] === value)
    .reduce((n, r) => n + r.value, 0);

/** The EMF documents (JSON lines with `_aws`) written to stdout while `act` runs. */
export const captureEmf = async (act: () => unknown): Promise<Record<string, any>[]> => {
  const lines: string[] = [];
  const stdout = Object.getOwnPropertyDescriptor(process.stdout, 'write');
  const capture = (chunk: unknown) => {
    lines.push(...String(chunk).split('\n'));
    return true;
  };
  Object.defineProperty(process.stdout, 'write', { value: capture, configurable: true });
  try {
    await act();
  } finally {
    if (stdout) Object.defineProperty(process.stdout, 'write', stdout);
    else delete (process.stdout as { write?: unknown }).write;
  }
  return lines
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, any>)
    .filter((d) => d._aws);
};
