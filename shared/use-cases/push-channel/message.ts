/**
 * One push message, stored before it is acknowledged: a message stored before (its marker exists)
 * is acknowledged only; otherwise the invoices' details are fetched, stored through the one upsert
 * path (overwrite rule, folders, annotation from the message's `invoiceTag`, never over a newer
 * version), the marker and the org's counts written in one transaction, and only then the message
 * acknowledged. Anything failing before the acknowledgement leaves the message to be delivered
 * again.
 */
import type { CloudAuth } from '../../adapters/cloud/client.js';
import type { PushMessage } from '../../adapters/cloud/contract.js';
import type { Deps } from '../../deps.js';
import { logger } from '../../logger.js';
import type { GlobalConfig } from '../../domain/schemas/config.js';
import { upsertRecords, type UpsertStores } from '../sync/upsert.js';
import type { OrgChannel } from './channel.js';

export type PushDeps = Deps<'config' | 'push' | UpsertStores, 'callbacks'>;

/** Serials per detail query (a message may list many). */
const DETAIL_CHUNK = 100;

export interface MessageOutcome {
  msgId: string;
  /** `duplicate`: stored before, acknowledged without a second store. */
  status: 'stored' | 'duplicate';
  /** Invoices written to the pool. */
  stored: number;
  /** Not written: the pool holds a newer version, or the org stores no unused invoices. */
  skipped: number;
  /** Malformed or too large: counted, never stored (the message is still acknowledged). */
  rejected: number;
  /** Serials the detail query did not return. */
  missing: number;
}

/** The message's `invoiceTag`, when given, is every record's annotation. */
const tagged = (records: unknown[], invoiceTag: string | undefined): unknown[] =>
  invoiceTag === undefined
    ? records
    : records.map((r) =>
        r !== null && typeof r === 'object' && !Array.isArray(r) ? { ...r, invoiceTag } : r,
      );

const details = async (deps: PushDeps, auth: CloudAuth, serials: string[]) => {
  const out: unknown[] = [];
  for (let i = 0; i < serials.length; i += DETAIL_CHUNK)
    out.push(...(await deps.cloud.invoiceDetails(auth, serials.slice(i, i + DETAIL_CHUNK))));
  return out;
};

export const handleMessage = async (
  m: PushMessage,
  ctx: { orgId: string; auth: CloudAuth; channel: OrgChannel; config: GlobalConfig },
  deps: PushDeps,
): Promise<MessageOutcome> => {
  const { orgId } = ctx;
  const base = { msgId: m.msgId, stored: 0, skipped: 0, rejected: 0, missing: 0 };
  if (await deps.stores.push.seen(orgId, m.msgId)) {
    await ctx.channel.ack(m.msgId);
    logger.info('push message seen before: acknowledged, not stored again', {
      orgId,
      msgId: m.msgId,
    });
    return { ...base, status: 'duplicate' };
  }
  const serials = [...new Set(m.serialNos)];
  const records = await details(deps, ctx.auth, serials);
  const at = deps.clock();
  const res = await upsertRecords(
    tagged(records, m.invoiceTag),
    { orgId, kind: 'input', config: ctx.config, at: at.toISOString(), unlessNewer: true },
    deps,
  );
  const returned = new Set(res.outcomes.map((o) => o.serialNo));
  const missing = serials.filter((s) => !returned.has(s));
  // Counted once: a concurrent consumer that recorded it first leaves the counts as they are.
  const first = await deps.stores.push.recordStored(orgId, m.msgId, res.stored, at);
  await ctx.channel.ack(m.msgId);
  const outcome: MessageOutcome = {
    ...base,
    status: first ? 'stored' : 'duplicate',
    stored: res.stored,
    skipped: res.skipped,
    rejected: res.malformed + res.failed,
    missing: missing.length,
  };
  logger.info('push message stored and acknowledged', {
    orgId,
    eventType: m.eventType,
    serials: serials.length,
    ...outcome,
    ...(res.problemSample.length ? { problems: res.problemSample } : {}),
    ...(missing.length ? { missingSample: missing.slice(0, 5) } : {}),
  });
  return outcome;
};
