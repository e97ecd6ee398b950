/**
 * Org secrets at O(1) cost per deployment (issue 18): sealed items in the config table under one
 * deployment key (`envelope.ts`), behind the same `Secrets` port the use cases already call. Names
 * `org/<orgId>/<purpose>` go to the vault; every other name (system signing secrets) to the inner
 * store (Secrets Manager in AWS).
 */
import { SECRET_PREFIX, type Secrets } from '../../ports.js';
import {
  open,
  ORG_SECRET_PURPOSES,
  parseKeyring,
  seal,
  UnknownKeyVersion,
  type Keyring,
  type OrgSecretPurpose,
  type Sealed,
} from '../../domain/secrets/envelope.js';

/** Where sealed org secrets live (the config store's secret items). */
export interface SealedStore {
  getOrgSecret(orgId: string, purpose: OrgSecretPurpose): Promise<Sealed | undefined>;
  /**
   * Write a sealed secret. `expected`: the ciphertext the caller read (null: none may exist); a
   * lost condition is a ConditionFailed and writes nothing. Absent: written over whatever is there.
   */
  putOrgSecret(
    orgId: string,
    purpose: OrgSecretPurpose,
    sealed: Sealed,
    expected?: Sealed | null,
    orgVersion?: number,
  ): Promise<void>;
}

/** The deployment key, read from its secret and cached per container for `ttlMs`. */
export interface KeyringSource {
  /** `fresh`: read the secret again now (a sealed item named a version not yet seen). */
  get(fresh?: boolean): Promise<Keyring>;
}

export const keyringSource = (
  load: () => Promise<string | undefined>,
  ttlMs = 300_000,
  now = Date.now,
): KeyringSource => {
  let cached: { ring: Promise<Keyring>; at: number } | undefined;
  return {
    get(fresh = false) {
      if (!fresh && cached && now() - cached.at < ttlMs) return cached.ring;
      const ring = load().then(parseKeyring);
      ring.catch(() => (cached = undefined));
      cached = { ring, at: now() };
      return ring;
    },
  };
};

export interface OrgVault {
  get(orgId: string, purpose: OrgSecretPurpose): Promise<string | undefined>;
  put(orgId: string, purpose: OrgSecretPurpose, value: string, orgVersion?: number): Promise<void>;
}

/**
 * Seal on put (newest key version), open on get (the version the item names). A sealed item read
 * is kept `ttlMs` per container (AWS: 5 minutes, as Secrets Manager reads were), so the push
 * consumer's turn every minute does not read each org's items every minute; a put here replaces it.
 * Only ciphertext is kept; a miss is never cached.
 */
export const orgVault = (
  keys: KeyringSource,
  store: SealedStore,
  ttlMs = 0,
  now = Date.now,
): OrgVault => {
  const cache = new Map<string, { sealed: Sealed; at: number }>();
  const read = async (orgId: string, purpose: OrgSecretPurpose) => {
    const hit = cache.get(`${orgId}/${purpose}`);
    if (hit && now() - hit.at < ttlMs) return hit.sealed;
    const sealed = await store.getOrgSecret(orgId, purpose);
    if (sealed && ttlMs > 0) cache.set(`${orgId}/${purpose}`, { sealed, at: now() });
    return sealed;
  };
  return {
    async get(orgId, purpose) {
      const sealed = await read(orgId, purpose);
      if (!sealed) return undefined;
      const ctx = { orgId, purpose };
      try {
        return open(sealed, await keys.get(), ctx);
      } catch (e) {
        // Rotated since this container read the key: read it once more.
        if (!(e instanceof UnknownKeyVersion)) throw e;
        return open(sealed, await keys.get(true), ctx);
      }
    },
    async put(orgId, purpose, value, orgVersion) {
      const sealed = seal(value, await keys.get(), { orgId, purpose });
      await store.putOrgSecret(orgId, purpose, sealed, undefined, orgVersion);
      if (ttlMs > 0) cache.set(`${orgId}/${purpose}`, { sealed, at: now() });
    },
  };
};

const isPurpose = (p: string): p is OrgSecretPurpose =>
  (ORG_SECRET_PURPOSES as readonly string[]).includes(p);

/** `org/<orgId>/<purpose>` as its parts (undefined: not an org secret's name). */
export const parseOrgSecretName = (
  name: string,
): { orgId: string; purpose: OrgSecretPurpose } | undefined => {
  if (!name.startsWith(SECRET_PREFIX.org)) return undefined;
  const rest = name.slice(SECRET_PREFIX.org.length);
  const cut = rest.lastIndexOf('/');
  const orgId = rest.slice(0, cut);
  const purpose = rest.slice(cut + 1);
  if (cut < 1 || !isPurpose(purpose))
    throw new Error(
      `org secret name ${name}: expected org/<orgId>/{${ORG_SECRET_PURPOSES.join(',')}}`,
    );
  return { orgId, purpose };
};

/** The `Secrets` port with org secrets in the vault and every other name in `inner`. */
export const withOrgVault = (inner: Secrets, vault: OrgVault): Secrets => ({
  get(name) {
    const org = parseOrgSecretName(name);
    return org ? vault.get(org.orgId, org.purpose) : inner.get(name);
  },
  put(name, value, opts) {
    const org = parseOrgSecretName(name);
    return org
      ? vault.put(org.orgId, org.purpose, value, opts?.orgVersion)
      : inner.put(name, value);
  },
});
