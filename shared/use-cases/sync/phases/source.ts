/** What a step syncs with: the org's cloud authorization and the config, read once per step. */
import type { Run } from '../../../domain/schemas/sync.js';
import { cloudAuthFor } from '../credentials.js';
import type { EngineDeps, SyncSource } from './run-session.js';

/** The org's cloud authorization and the config this step syncs with. */
export const openSource = async (run: Run, deps: EngineDeps): Promise<SyncSource> => {
  const { auth } = await cloudAuthFor(run.orgId, deps);
  const cfg = await deps.stores.config.getConfig();
  return { auth, cfg, upsert: { orgId: run.orgId, kind: run.type, config: cfg } };
};
