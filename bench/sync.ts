/**
 * P1 sync throughput and P2 memory, each run in its own process against the simulator in another.
 */
import { child, fmt, median, spreadOf } from './common.js';
import { dropTables } from './bench-stack.js';

export const withSim = async <T>(
  count: number,
  fn: (url: string) => Promise<T>,
  phones = false,
): Promise<T> => {
  const sim = child('./sim-child.ts', [String(count), ...(phones ? ['phones'] : [])]);
  const { url } = (await sim.first) as { url: string };
  try {
    return await fn(url);
  } finally {
    sim.proc.kill('SIGTERM');
  }
};

let n = 0;
const measure = async (mode: 'sync' | 'folders' | 'baseline', endpoint: string, url: string) => {
  const prefix = `bench${n++}`;
  try {
    return await child('./sync-child.ts', [mode, endpoint, url, prefix]).first;
  } finally {
    await dropTables(endpoint, prefix);
  }
};

/**
 * P1: the full sync against raw BatchWriteItem of the same items; with `folders`, personal folders
 * on (P1-folders: the invoices name collectors, links and first users are written too). With
 * folders, two baselines: raw BatchWriteItem of the invoice items alone (as P1), and of every pool
 * item the sync wrote (`toSameItems`: invoices, first users, links — the same items).
 */
export const benchSync = async (
  endpoint: string,
  o: { count: number; reps: number; log: (s: string) => void; folders?: boolean },
) =>
  withSim(
    o.count,
    async (url) => {
      const P = o.folders ? 'P1-folders' : 'P1';
      const mode = o.folders ? 'folders' : 'sync';
      o.log(`${P} warming DynamoDB Local with one ${o.count}-invoice baseline…`);
      await measure('baseline', endpoint, url);
      type Row = { rate: number; raw: number; fetch: number; r1: number; r2: number };
      const rows: (Row & { same?: number; sameRaw?: number; sameItems?: number })[] = [];
      for (let i = 0; i < o.reps; i++) {
        const order = i % 2 === 0 ? (['baseline', mode] as const) : ([mode, 'baseline'] as const);
        const got: Record<string, any> = {};
        for (const m of order) got[m] = await measure(m, endpoint, url);
        const rate = got[mode].count / (got[mode].ms / 1000);
        const raw = got.baseline.count / (got.baseline.writeMs / 1000);
        const fetch = got.baseline.count / (got.baseline.fetchMs / 1000);
        const r2 = rate / Math.min(fetch, raw);
        const row: (typeof rows)[number] = { rate, raw, fetch, r1: rate / raw, r2 };
        if (got[mode].sameItemsWriteMs) {
          row.sameRaw = got[mode].count / (got[mode].sameItemsWriteMs / 1000);
          row.same = rate / row.sameRaw;
          row.sameItems = got[mode].sameItems;
        }
        rows.push(row);
        const perSec = (name: string, n: number) => `${name} ${Math.round(n)}/s`;
        const rates = [perSec('sync', rate), perSec('raw write', raw), perSec('fetch-only', fetch)];
        const ratios =
          `${fmt(rate / raw)} / ${fmt(rate / Math.min(fetch, raw))}` +
          (row.same ? ` · same items raw ${Math.round(row.sameRaw!)}/s → ${fmt(row.same)}` : '');
        o.log(`${P} rep ${i + 1}/${o.reps}: ${rates.join(' · ')} → ${ratios}`);
      }
      const r1 = rows.map((r) => r.r1);
      const r2 = rows.map((r) => r.r2);
      const same = rows.flatMap((r) => (r.same ? [r.same] : []));
      return {
        ...(same.length
          ? {
              sameItemsPerInvoice: rows[0]!.sameItems! / o.count,
              sameItemsRawPerSec: median(rows.map((r) => r.sameRaw!)),
              ratioToSameItems: { ...spreadOf(same), target: 0.7 },
            }
          : {}),
        count: o.count,
        reps: rows,
        syncPerSec: median(rows.map((r) => r.rate)),
        rawWritePerSec: median(rows.map((r) => r.raw)),
        fetchOnlyPerSec: median(rows.map((r) => r.fetch)),
        ratioToRawWrite: { ...spreadOf(r1), target: 0.8 },
        ratioToBound: { ...spreadOf(r2), target: 0.8 },
      };
    },
    o.folders,
  );

export const benchMemory = async (
  endpoint: string,
  o: { small: number; large: number; log: (s: string) => void },
) => {
  const peak = async (count: number) =>
    withSim(
      count,
      async (url) => (await measure('sync', endpoint, url)) as { maxRssMb: number; count: number },
    );
  const small = await peak(o.small);
  o.log(`P2 ${o.small} invoices: peak RSS ${small.maxRssMb} MB`);
  const large = await peak(o.large);
  o.log(`P2 ${o.large} invoices: peak RSS ${large.maxRssMb} MB`);
  return {
    small: { count: o.small, peakRssMb: small.maxRssMb },
    large: { count: o.large, peakRssMb: large.maxRssMb },
    ratio: large.maxRssMb / small.maxRssMb,
    target: 1.2,
  };
};
