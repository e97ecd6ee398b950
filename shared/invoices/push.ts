/** Invoices pushed by the cloud's mini-program: stored through the same upsert path as a sync. */
import * as z from 'zod';
import type { Deps } from '../deps.js';
import type { UpsertStores } from '../sync/upsert.js';
import { NotFound } from '../errors.js';
import { idSchema } from '../schemas/common.js';
import { kindSchema } from '../schemas/cloud.js';
import { upsertRecords } from '../sync/upsert.js';

export const pushSchema = z
  .object({ orgId: idSchema, kind: kindSchema, invoices: z.array(z.unknown()).min(1).max(500) })
  .strict();

export const pushInvoices = async (
  req: z.infer<typeof pushSchema>,
  deps: Deps<'config' | UpsertStores, 'callbacks'>,
) => {
  const org = await deps.stores.config.getOrg(req.orgId);
  if (!org) throw new NotFound(`orgId: no organisation ${req.orgId}`);
  const config = await deps.stores.config.getConfig();
  const res = await upsertRecords(
    req.invoices,
    { orgId: req.orgId, kind: req.kind, config, at: deps.clock().toISOString() },
    deps,
  );
  return {
    stored: res.stored,
    skipped: res.skipped,
    rejected: res.malformed,
    ...(config.personalFolderSync ? { folder: res.folder } : {}),
    results: res.outcomes.map((o) => ({
      index: o.index,
      serialNo: o.serialNo,
      ok: o.status !== 'malformed',
      status: o.status,
      ...(o.error
        ? { error: { code: o.status === 'malformed' ? 'BAD_RECORD' : 'SKIPPED', message: o.error } }
        : {}),
    })),
  };
};
