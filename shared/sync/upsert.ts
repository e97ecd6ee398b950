/**
 * The one upsert path for invoices from the cloud — used by every sync and by pushed invoices.
 * Validates each record (a malformed one is skipped and counted), applies the pool flags and
 * `nonSyncFields`, and batch-writes the cloud's copies (see invoices/merge.ts for why no read is needed).
 */
import { toCloudItem, type CloudItem } from '../invoices/merge.js';
import {
  cloudInvoiceSchema,
  NON_SYNCABLE_FIELDS,
  type CloudInvoice,
  type Kind,
  type NonSyncField,
} from '../schemas/cloud.js';
import type { GlobalConfig } from '../schemas/config.js';
import type { Deps } from '../deps.js';

/** The stores an upsert writes (pool, folders, result logs) and the callback queue it feeds. */
export type UpsertStores = 'invoices' | 'links' | 'users' | 'logs';
export type UpsertDeps = Pick<Deps<UpsertStores, 'callbacks'>, 'stores' | 'queues' | 'clock'>;
import { resultsFromOutput } from '../callbacks/results.js';
import { emptyFolderStats, linkCollectors, type FolderStats } from '../folders/link-collectors.js';

export interface UpsertContext {
  orgId: string;
  kind: Kind;
  config: GlobalConfig;
  at: string;
}
export interface RecordOutcome {
  index: number;
  serialNo: string | null;
  status: 'stored' | 'skipped' | 'malformed';
  error?: string;
}
export interface UpsertResult {
  stored: number;
  skipped: number;
  malformed: number;
  malformedSample: string[];
  outcomes: RecordOutcome[];
  folder: FolderStats;
}

/** Split `nonSyncFields` into the fields that apply and the names that have no effect. */
export const splitNonSync = (fields: string[]): { applied: NonSyncField[]; ignored: string[] } => ({
  applied: NON_SYNCABLE_FIELDS.filter((f) => fields.includes(f)),
  ignored: fields.filter((f) => !(NON_SYNCABLE_FIELDS as readonly string[]).includes(f)),
});

/** Validated, de-duplicated and mapped records of one page: pure CPU work, no I/O. */
export interface Prepared {
  outcomes: RecordOutcome[];
  records: CloudInvoice[];
  items: (CloudItem & Record<string, unknown>)[];
}

export const prepareRecords = (raw: unknown[], ctx: UpsertContext): Prepared => {
  const outcomes: RecordOutcome[] = [];
  const bySerial = new Map<string, CloudInvoice>();
  raw.forEach((r, index) => {
    const parsed = cloudInvoiceSchema.safeParse(r);
    const serialNo =
      typeof (r as { serialNo?: unknown } | null)?.serialNo === 'string'
        ? (r as { serialNo: string }).serialNo
        : null;
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      outcomes.push({
        index,
        serialNo,
        status: 'malformed',
        error: issue ? `${issue.path.join('.') || '(record)'}: ${issue.message}` : 'malformed',
      });
    } else if (!ctx.config.syncUnusedInvoices && parsed.data.expendStatus === 1) {
      outcomes.push({
        index,
        serialNo,
        status: 'skipped',
        error: 'unused invoice (syncUnusedInvoices is off)',
      });
    } else {
      bySerial.set(parsed.data.serialNo, parsed.data);
      outcomes.push({ index, serialNo, status: 'stored' });
    }
  });
  const records = [...bySerial.values()];
  return {
    outcomes,
    records,
    items: records.map((r) => toCloudItem(ctx.orgId, ctx.kind, r, ctx.at)),
  };
};

/** Store prepared records: non-synced fields carried over, cloud copies batch-written, then folders and callbacks. */
export const storePrepared = async (
  { outcomes, records, items }: Prepared,
  ctx: UpsertContext,
  deps: UpsertDeps,
): Promise<UpsertResult> => {
  const { stores } = deps;
  const store = stores.invoices;
  const { applied } = splitNonSync(ctx.config.nonSyncFields);
  if (applied.length && items.length) {
    const existing = await store.getCloudMany(
      ctx.orgId,
      ctx.kind,
      records.map((r) => r.serialNo),
    );
    for (const item of items) {
      const old: Partial<CloudItem> | undefined = existing.get(item.serialNo);
      for (const f of applied) (item as Record<string, unknown>)[f] = old?.[f] ?? null;
    }
  }
  await store.batchPut(items);
  // Links only after the invoices are stored: a folder never points at an invoice that is not there.
  const folder =
    ctx.config.personalFolderSync && records.length
      ? await linkCollectors(records, ctx, stores)
      : emptyFolderStats();
  // Output invoices answering a known order become result callbacks (idempotent per result).
  if (ctx.kind === 'output' && records.length) await resultsFromOutput(records, deps);
  const malformed = outcomes.filter((o) => o.status === 'malformed');
  return {
    stored: outcomes.filter((o) => o.status === 'stored').length,
    skipped: outcomes.filter((o) => o.status === 'skipped').length,
    malformed: malformed.length,
    malformedSample: malformed
      .slice(0, 5)
      .map((o) => `${o.serialNo ?? `#${o.index}`} (${o.error})`),
    outcomes,
    folder,
  };
};

/** The one upsert path: validate and map, then store. */
export const upsertRecords = (
  raw: unknown[],
  ctx: UpsertContext,
  deps: UpsertDeps,
): Promise<UpsertResult> => storePrepared(prepareRecords(raw, ctx), ctx, deps);
