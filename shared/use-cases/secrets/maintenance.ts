/**
 * Operator actions on sealed org secrets: re-encrypt to the newest key version after a rotation,
 * and move legacy per-org Secrets Manager secrets (`org/<orgId>/<purpose>`) into sealed items.
 * Both are idempotent: run again, they find nothing left to do.
 */
import { ConditionFailed } from '../../domain/errors.js';
import { secretNames } from '../../ports.js';
import {
  open,
  ORG_SECRET_PURPOSES,
  seal,
  type OrgSecretPurpose,
} from '../../domain/secrets/envelope.js';
import type { KeyringSource, SealedStore } from '../../adapters/secrets/org-vault.js';

export interface MaintenanceDeps {
  /** Every org of the deployment (the config store's `listOrgs`). */
  listOrgs(): Promise<{ orgId: string }[]>;
  keys: KeyringSource;
  store: SealedStore;
  /** Progress lines for the operator (counts only, never a secret). */
  progress?: (line: string) => void;
}

const legacyName: Record<OrgSecretPurpose, (orgId: string) => string> = {
  'client-secret': secretNames.orgClientSecret,
  'link-key': secretNames.orgLinkKey,
};

const eachSecret = async (
  deps: MaintenanceDeps,
  visit: (orgId: string, purpose: OrgSecretPurpose) => Promise<void>,
) => {
  const orgs = await deps.listOrgs();
  for (const [i, { orgId }] of orgs.entries()) {
    for (const purpose of ORG_SECRET_PURPOSES) await visit(orgId, purpose);
    if ((i + 1) % 100 === 0 || i + 1 === orgs.length)
      deps.progress?.(`${i + 1}/${orgs.length} organisations`);
  }
  return orgs.length;
};

export interface RewrapReport {
  orgs: number;
  /** The key version every sealed item now names (unless `changedMeanwhile`). */
  current: number;
  rewrapped: number;
  alreadyCurrent: number;
  /** Written by someone else between this read and write: left as they wrote it; run again. */
  changedMeanwhile: number;
}

/**
 * Re-encrypt every sealed org secret not under the keyring's newest version (read fresh). Each
 * write is conditional on the ciphertext read, so a concurrent `PUT /orgs` is never overwritten.
 */
export const rewrapOrgSecrets = async (deps: MaintenanceDeps): Promise<RewrapReport> => {
  const ring = await deps.keys.get(true);
  const r = { current: ring.current, rewrapped: 0, alreadyCurrent: 0, changedMeanwhile: 0 };
  const orgs = await eachSecret(deps, async (orgId, purpose) => {
    const sealed = await deps.store.getOrgSecret(orgId, purpose);
    if (!sealed) return;
    if (sealed.v === ring.current) return void r.alreadyCurrent++;
    const ctx = { orgId, purpose };
    try {
      await deps.store.putOrgSecret(
        orgId,
        purpose,
        seal(open(sealed, ring, ctx), ring, ctx),
        sealed,
      );
      r.rewrapped++;
    } catch (e) {
      if (!(e instanceof ConditionFailed)) throw e;
      r.changedMeanwhile++;
    }
  });
  return { orgs, ...r };
};

export interface MigrateReport {
  orgs: number;
  migrated: number;
  /** A sealed item already existed (set through the API since): kept, the legacy value ignored. */
  keptNewer: number;
  /** Legacy secrets deleted (only with `deleteLegacy`, only once the sealed item is in place). */
  deleted: number;
}

/**
 * Move legacy per-org secrets into sealed items (created only where none exists). With
 * `deleteLegacy`, each legacy secret is deleted once its sealed item is written or found.
 */
export const migrateLegacyOrgSecrets = async (
  deps: MaintenanceDeps & {
    /** The legacy store: Secrets Manager under the stack's prefix. */
    legacy: { get(name: string): Promise<string | undefined> };
    deleteLegacy?: (name: string) => Promise<void>;
  },
): Promise<MigrateReport> => {
  const ring = await deps.keys.get(true);
  const r = { migrated: 0, keptNewer: 0, deleted: 0 };
  const orgs = await eachSecret(deps, async (orgId, purpose) => {
    const name = legacyName[purpose](orgId);
    const value = await deps.legacy.get(name);
    if (value === undefined) return;
    try {
      await deps.store.putOrgSecret(orgId, purpose, seal(value, ring, { orgId, purpose }), null);
      r.migrated++;
    } catch (e) {
      if (!(e instanceof ConditionFailed)) throw e;
      r.keptNewer++;
    }
    if (deps.deleteLegacy) {
      await deps.deleteLegacy(name);
      r.deleted++;
    }
  });
  return { orgs, ...r };
};
