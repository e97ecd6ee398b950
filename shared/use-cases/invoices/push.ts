/**
 * Invoices pushed by the cloud's mini-program: stored through the same upsert path as a sync,
 * but each record only over an older copy, so a late or retried push never rolls a newer synced
 * state back (reported per record as skipped, "stale").
 */
import * as z from 'zod';
import type { Deps } from '../../deps.js';
import type { UpsertStores } from '../sync/upsert.js';
import { NotFound } from '../../domain/errors.js';
import { idSchema } from '../../domain/schemas/common.js';
import { kindSchema } from '../../domain/schemas/cloud.js';
import { upsertRecords } from '../sync/upsert.js';

export const pushSchema = z
  .object({ orgId: idSchema, kind: kindSchema, invoices: z.array(z.unknown()).min(1).max(500) })
  .strict();

const ERROR_CODES = {
  stored: 'STORED',
  skipped: 'SKIPPED',
  malformed: 'BAD_RECORD',
  failed: 'TOO_LARGE',
} as const;

export const pushInvoices = async (
  req: z.infer<typeof pushSchema>,
  deps: Deps<'config' | UpsertStores, 'callbacks'>,
) => {
  const org = await deps.stores.config.getOrg(req.orgId);
  if (!org) throw new NotFound(`orgId: no organisation ${req.orgId}`);
  const config = await deps.stores.config.getConfig();
  const res = await upsertRecords(
    req.invoices,
    { orgId: req.orgId, kind: req.kind, config, at: deps.clock().toISOString(), unlessNewer: true },
    deps,
  );
  return {
    stored: res.stored,
    skipped: res.skipped,
    rejected: res.malformed + res.failed,
    ...(config.personalFolderSync ? { folder: res.folder } : {}),
    results: res.outcomes.map((o) => ({
      index: o.index,
      serialNo: o.serialNo,
      ok: o.status === 'stored' || o.status === 'skipped',
      status: o.status,
      ...(o.error ? { error: { code: ERROR_CODES[o.status], message: o.error } } : {}),
      ...(o.notes ? { notes: o.notes } : {}),
    })),
  };
};
