import { setLogLevel } from '#shared/logger.js';

export type LogLine = Record<string, any>;

/** Everything the logger writes (at DEBUG) while `run` runs, as written. */
export const capturedText = async (run: () => unknown): Promise<string> => {
  const out: string[] = [];
  const streams = [process.stdout, process.stderr];
  const writes = streams.map((s) => s.write.bind(s));
  for (const s of streams)
    s.write = (chunk: string | Uint8Array) => (out.push(String(chunk)), true);
  setLogLevel('DEBUG');
  try {
    await run();
  } finally {
    setLogLevel('SILENT');
    streams.forEach((s, i) => (s.write = writes[i]!));
  }
  return out.join('');
};

/** Every JSON line the logger writes (at DEBUG) while `run` runs. */
export const captured = async (run: () => unknown): Promise<LogLine[]> =>
  (await capturedText(run))
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as LogLine);
