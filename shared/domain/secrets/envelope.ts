/**
 * The envelope rule for org secrets (issue 18): each org's client secret and link key is sealed
 * with AES-256-GCM under one deployment key, so a deployment pays for one Secrets Manager secret
 * instead of one per org. The additional data binds a ciphertext to its org, its purpose and its
 * key version: copied to another org (or from the client secret to the link key) it does not open.
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

/** What an org secret is for; part of the additional data. */
export const ORG_SECRET_PURPOSES = ['client-secret', 'link-key'] as const;
export type OrgSecretPurpose = (typeof ORG_SECRET_PURPOSES)[number];

/** A deployment's key versions: seal with `current`, open with the one a sealed item names. */
export interface Keyring {
  current: number;
  keys: ReadonlyMap<number, Buffer>;
}

/** A sealed secret as stored: key version, 96-bit nonce, ciphertext, 128-bit tag (base64). */
export interface Sealed {
  v: number;
  iv: string;
  ct: string;
  tag: string;
}

/** The key secret is unusable (a deployment fault: says what is wrong, never the material). */
export class KeyringError extends Error {}
/** A sealed item names a key version the keyring does not hold (rotated since it was read?). */
export class UnknownKeyVersion extends Error {}
/** The ciphertext does not open: tampered, copied from another org or purpose, or a wrong key. */
export class UnsealError extends Error {}

/** Key material shorter than this is refused (a generated 64-character password is the norm). */
export const MIN_KEY_MATERIAL = 32;
const HKDF_SALT = 'invoice-cloud-bridge/org-secrets';

/** Key material → an AES-256 key (HKDF-SHA256), so a generated password serves as material. */
const derive = (material: string, version: number): Buffer =>
  Buffer.from(hkdfSync('sha256', material, HKDF_SALT, `v${version}`, 32));

const material = (version: number, m: unknown): Buffer => {
  if (typeof m !== 'string' || m.length < MIN_KEY_MATERIAL)
    throw new KeyringError(
      `org secret key version ${version}: material must be a string of ≥ ${MIN_KEY_MATERIAL} chars`,
    );
  return derive(m, version);
};

/**
 * The key secret's text as a keyring. Either plain material (version 1: what the stack generates)
 * or JSON `{"current": 2, "keys": {"1": "<material>", "2": "<material>"}}` after a rotation.
 */
export const parseKeyring = (text: string | undefined): Keyring => {
  const t = text?.trim() ?? '';
  if (!t.startsWith('{')) return { current: 1, keys: new Map([[1, material(1, t)]]) };
  let doc: { current?: unknown; keys?: unknown };
  try {
    doc = JSON.parse(t) as typeof doc;
  } catch {
    throw new KeyringError('org secret key: not valid JSON');
  }
  const entries = Object.entries((doc.keys ?? {}) as Record<string, unknown>);
  const keys = new Map<number, Buffer>();
  for (const [name, m] of entries) {
    const version = Number(name);
    if (!Number.isInteger(version) || version < 1)
      throw new KeyringError(`org secret key: version "${name}" is not a positive integer`);
    keys.set(version, material(version, m));
  }
  const current = doc.current;
  if (typeof current !== 'number' || !keys.has(current))
    throw new KeyringError('org secret key: "current" must name one of "keys"');
  return { current, keys };
};

/** Where a sealed secret belongs: its org and purpose. */
export interface SealContext {
  orgId: string;
  purpose: OrgSecretPurpose;
}

const aad = ({ orgId, purpose }: SealContext, v: number) =>
  Buffer.from(`icb-org-secret\u0000${orgId}\u0000${purpose}\u0000v${v}`, 'utf8');

/** Seal `plain` for its org and purpose with the keyring's newest key (a fresh random nonce). */
export const seal = (plain: string, ring: Keyring, ctx: SealContext): Sealed => {
  const v = ring.current;
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', ring.keys.get(v)!, iv);
  cipher.setAAD(aad(ctx, v));
  const ct = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
  return {
    v,
    iv: iv.toString('base64'),
    ct: ct.toString('base64'),
    tag: cipher.getAuthTag().toString('base64'),
  };
};

/** Open a sealed secret with the key version it names; only for the org and purpose it was for. */
export const open = (sealed: Sealed, ring: Keyring, ctx: SealContext): string => {
  const key = ring.keys.get(sealed.v);
  if (!key) throw new UnknownKeyVersion(`org secret key version ${sealed.v} is not in the keyring`);
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(sealed.iv, 'base64'));
    decipher.setAAD(aad(ctx, sealed.v));
    decipher.setAuthTag(Buffer.from(sealed.tag, 'base64'));
    const ct = Buffer.from(sealed.ct, 'base64');
    return Buffer.concat([decipher.update(ct), decipher.final()]).toString('utf8');
  } catch {
    const where = `${ctx.orgId}'s ${ctx.purpose}`;
    throw new UnsealError(`${where} does not open (tampered, copied or wrong key)`);
  }
};
