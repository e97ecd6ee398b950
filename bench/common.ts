import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export const BENCH_ORG = {
  taxNo: '91330100MA27XK1234',
  orgName: '基准测试有限公司',
  clientId: 'bench',
  clientSecret: 'bench-secret',
  output: 0,
  phones: [] as string[],
};

/** Collectors' phones for the personal-folder run (P1 with folders on): 40 users of the org. */
export const BENCH_PHONES = Array.from(
  { length: 40 },
  (_, i) => `139${String(i).padStart(8, '0')}`,
);

const tsx = fileURLToPath(new URL('../node_modules/.bin/tsx', import.meta.url));

/** Run a bench script in a child process; resolves with the first JSON line it prints. */
export const child = (
  script: string,
  args: string[],
  env: Record<string, string> = {},
): { proc: ChildProcess; first: Promise<any> } => {
  const proc = spawn(tsx, [fileURLToPath(new URL(script, import.meta.url)), ...args], {
    env: { ...process.env, NODE_NO_WARNINGS: '1', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const first = new Promise<any>((resolve, reject) => {
    const rl = createInterface({ input: proc.stdout });
    rl.once('line', (l) => resolve(JSON.parse(l)));
    proc.once('exit', (code) => reject(new Error(`${script} exited ${code} before answering`)));
  });
  return { proc, first };
};

export const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
export const fmt = (x: number, d = 2) => x.toFixed(d);
/** The value after `--name` on the command line, else `d`. */
export const arg = (name: string, d: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? (process.argv[i + 1] ?? d) : d;
};
/** A figure over the reps: median, min and max. */
export const spreadOf = (xs: number[]) => ({
  median: median(xs),
  min: Math.min(...xs),
  max: Math.max(...xs),
});
