/**
 * The one upsert path for invoices from the cloud — used by every sync and by pushed invoices.
 * Validates each record (a malformed one is skipped and counted), applies the pool flags and
 * `nonSyncFields`, and batch-writes the cloud's copies (see invoices/merge.ts for why no read is
 * needed).
 */
import { packLarge, toCloudItem, type CloudItem } from '../../adapters/dynamo/invoice-items.js';
import {
  cloudInvoiceSchema,
  droppedUrls,
  NON_SYNCABLE_FIELDS,
  type CloudInvoice,
  type Kind,
  type NonSyncField,
} from '../../domain/schemas/cloud.js';
import type { GlobalConfig } from '../../domain/schemas/config.js';
import type { Deps } from '../../deps.js';
import { resultsFromOutput } from '../callbacks/results.js';
import {
  applyFolders,
  emptyFolderStats,
  planFolders,
  type FolderStats,
} from '../folders/link-collectors.js';

/** The stores an upsert writes (pool, folders, result logs) and the callback queue it feeds. */
export type UpsertStores = 'invoices' | 'links' | 'users' | 'logs';
export type UpsertDeps = Pick<Deps<UpsertStores, 'callbacks'>, 'stores' | 'queues' | 'clock'>;

export interface UpsertContext {
  orgId: string;
  kind: Kind;
  config: GlobalConfig;
  at: string;
  /**
   * Write each record only over an older copy (pushes: they may arrive late); syncs batch-write.
   */
  unlessNewer?: boolean;
}
export interface RecordOutcome {
  index: number;
  serialNo: string | null;
  /** `failed`: valid, but DynamoDB cannot store it (too large even compressed). */
  status: 'stored' | 'skipped' | 'malformed' | 'failed';
  error?: string;
  /** What was not kept of a valid record, e.g. a non-https attachment link (set to null). */
  notes?: string[];
}
export interface UpsertResult {
  stored: number;
  skipped: number;
  malformed: number;
  /** Valid records that could not be stored. */
  failed: number;
  /** Up to 5 records not stored (malformed or failed), `serial (why)`, for the run message. */
  problemSample: string[];
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

const validate = (r: unknown, index: number, ctx: UpsertContext) => {
  const parsed = cloudInvoiceSchema.safeParse(r);
  const serialNo =
    typeof (r as { serialNo?: unknown } | null)?.serialNo === 'string'
      ? (r as { serialNo: string }).serialNo
      : null;
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const error = issue ? `${issue.path.join('.') || '(record)'}: ${issue.message}` : 'malformed';
    return { outcome: { index, serialNo, status: 'malformed', error } as RecordOutcome };
  }
  if (!ctx.config.syncUnusedInvoices && parsed.data.expendStatus === 1) {
    const error = 'unused invoice (syncUnusedInvoices is off)';
    return { outcome: { index, serialNo, status: 'skipped', error } as RecordOutcome };
  }
  const notes = droppedUrls(r, parsed.data);
  const outcome: RecordOutcome = {
    index,
    serialNo,
    status: 'stored',
    ...(notes.length ? { notes } : {}),
  };
  return { outcome, record: parsed.data };
};

/**
 * Validate, de-duplicate and map one page. A serial listed twice is stored once: the newest copy
 * (`updateTime`, the later one on a tie) is kept and the others are skipped, so counts match
 * the writes. A record too large for one DynamoDB item even compressed is counted `failed`.
 */
export const prepareRecords = (raw: unknown[], ctx: UpsertContext): Prepared => {
  const outcomes: RecordOutcome[] = [];
  const bySerial = new Map<string, { record: CloudInvoice; outcome: RecordOutcome }>();
  raw.forEach((r, index) => {
    const { outcome, record } = validate(r, index, ctx);
    outcomes.push(outcome);
    if (!record) return;
    const kept = bySerial.get(record.serialNo);
    const [win, lose] =
      kept && kept.record.updateTime > record.updateTime
        ? [kept, { record, outcome }]
        : [{ record, outcome }, kept];
    bySerial.set(record.serialNo, win);
    if (lose)
      Object.assign(lose.outcome, {
        status: 'skipped',
        error: `duplicate serialNo in this page: record #${win.outcome.index} is stored`,
      });
  });
  const records: CloudInvoice[] = [];
  const items: (CloudItem & Record<string, unknown>)[] = [];
  for (const { record, outcome } of bySerial.values()) {
    const item = packLarge(toCloudItem(ctx.orgId, ctx.kind, record, ctx.at));
    if (item) {
      records.push(record);
      items.push(item);
    } else
      Object.assign(outcome, {
        status: 'failed',
        error: 'too large to store (over 400 KB even compressed)',
      });
  }
  return { outcomes, records, items };
};

/** Mark the records the store did not take (serial → reason). */
const markNotStored = (
  outcomes: RecordOutcome[],
  serials: Map<string, string>,
  status: RecordOutcome['status'],
): void => {
  for (const o of outcomes)
    if (o.status === 'stored' && o.serialNo !== null && serials.has(o.serialNo))
      Object.assign(o, { status, error: serials.get(o.serialNo) });
};

const STALE = 'stale: the pool holds a newer version of this invoice';
/** How long after a push a sync page checks the versions it would overwrite. */
export const PUSH_WINDOW_MS = 24 * 3600_000;

/**
 * Write the page's cloud copies; returns serial → reason for those not written (refused or stale).
 * Pushes write each record on the condition that the pool holds no newer version. A sync page is
 * batch-written (no condition); where pushes wrote the org's pool within `PUSH_WINDOW_MS`, the page
 * first reads the pooled versions (`pooled`) and skips a record older than the pool's copy (a push
 * newer than what the cloud's listing served). Only a push landing between that read and the write
 * can still be overwritten; the next sync that reads it restores it.
 */
const writeItems = async (
  items: (CloudItem & Record<string, unknown>)[],
  pooled: Map<string, Partial<CloudItem>> | undefined,
  ctx: UpsertContext,
  deps: UpsertDeps,
): Promise<{ refused: Map<string, string>; stale: Map<string, string> }> => {
  const store = deps.stores.invoices;
  const refused = new Map<string, string>();
  const stale = new Map<string, string>();
  const tooLarge = (error: string) => `not stored: ${error}`;
  if (!ctx.unlessNewer) {
    const newer = (i: CloudItem) => (pooled?.get(i.serialNo)?.updateTime ?? '') > i.updateTime;
    for (const i of items) if (newer(i)) stale.set(i.serialNo, STALE);
    const fresh = stale.size ? items.filter((i) => !stale.has(i.serialNo)) : items;
    for (const r of await store.batchPut(fresh))
      refused.set(r.item.serialNo as string, tooLarge(r.error));
    return { refused, stale };
  }
  for (let i = 0; i < items.length; i += 25)
    await Promise.all(
      items.slice(i, i + 25).map(async (item) => {
        const res = await store.putUnlessNewer(item);
        if (res === 'stale') stale.set(item.serialNo, STALE);
        else if (res !== 'stored') refused.set(item.serialNo, tooLarge(res.error));
      }),
    );
  return { refused, stale };
};

/**
 * Store prepared records: non-synced fields carried over, cloud copies written, then folders and
 * callbacks.
 */
export const storePrepared = async (
  { outcomes, records, items }: Prepared,
  ctx: UpsertContext,
  deps: UpsertDeps,
): Promise<UpsertResult> => {
  const { stores } = deps;
  const store = stores.invoices;
  const { applied } = splitNonSync(ctx.config.nonSyncFields);
  const now = deps.clock();
  // A push notes itself before it writes, so a sync page that reads no recent note cannot be
  // overwriting a push it has not seen (but for the moment between that read and its write).
  if (ctx.unlessNewer && items.length)
    await store.markPushed(ctx.orgId, ctx.kind, now.toISOString());
  const pushedAt =
    ctx.unlessNewer || !items.length ? undefined : await store.lastPushed(ctx.orgId, ctx.kind);
  const since = new Date(now.getTime() - PUSH_WINDOW_MS).toISOString();
  const checkVersions = pushedAt !== undefined && pushedAt >= since;
  // One consistent read of the pooled copies: their versions and the non-synced fields.
  const fields = [...(checkVersions ? (['updateTime'] as const) : []), ...applied];
  const pooled =
    fields.length && items.length
      ? await store.getCloudMany(
          ctx.orgId,
          ctx.kind,
          records.map((r) => r.serialNo),
          fields,
        )
      : undefined;
  if (applied.length && pooled)
    for (const item of items) {
      const old = pooled.get(item.serialNo);
      for (const f of applied) (item as Record<string, unknown>)[f] = old?.[f] ?? null;
    }
  // The page's folder state is read while its invoices are written (reads only); links and first
  // users are written after, for the invoices stored: a folder never points at an invoice that is
  // not there.
  const folders = ctx.config.personalFolderSync && records.length;
  const [wrote, planned] = await Promise.allSettled([
    writeItems(items, pooled, ctx, deps),
    folders ? planFolders(records, ctx, stores) : undefined,
  ]);
  // Both settle before either failure is raised: no write is left running behind an error.
  if (wrote.status === 'rejected') throw wrote.reason;
  if (planned.status === 'rejected') throw planned.reason;
  const { refused, stale } = wrote.value;
  const plan = planned.value;
  markNotStored(outcomes, refused, 'failed');
  markNotStored(outcomes, stale, 'skipped');
  const written =
    refused.size || stale.size
      ? records.filter((r) => !refused.has(r.serialNo) && !stale.has(r.serialNo))
      : records;
  const storedNow = new Set(written);
  const folder =
    plan && written.length
      ? await applyFolders(plan, (r) => storedNow.has(r), stores)
      : emptyFolderStats();
  // Output invoices answering a known order become result callbacks (idempotent per result).
  if (ctx.kind === 'output' && written.length) await resultsFromOutput(written, ctx.orgId, deps);
  const count = (s: RecordOutcome['status']) => outcomes.filter((o) => o.status === s).length;
  const problems = outcomes.filter((o) => o.status === 'malformed' || o.status === 'failed');
  return {
    stored: count('stored'),
    skipped: count('skipped'),
    malformed: count('malformed'),
    failed: count('failed'),
    problemSample: problems.slice(0, 5).map((o) => `${o.serialNo ?? `#${o.index}`} (${o.error})`),
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
