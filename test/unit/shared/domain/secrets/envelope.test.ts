/**
 * The envelope rule for org secrets (issue 18): AES-256-GCM under a versioned keyring, bound to the
 * org and purpose; and the vault that routes `org/<id>/<purpose>` names to sealed items.
 */
import { randomBytes } from 'node:crypto';
import {
  KeyringError,
  open,
  parseKeyring,
  seal,
  UnknownKeyVersion,
  UnsealError,
  type Sealed,
} from '#shared/domain/secrets/envelope.js';
import {
  keyringSource,
  orgVault,
  parseOrgSecretName,
  withOrgVault,
  type SealedStore,
} from '#shared/adapters/secrets/org-vault.js';

const material = () => randomBytes(32).toString('base64url');
const HZ = { orgId: 'hz', purpose: 'client-secret' } as const;

describe('envelope: seal and open org secrets', () => {
  const ring = parseKeyring(material());

  it('round-trips, with a fresh nonce each time and no plaintext in the sealed form', () => {
    const a = seal('secret-hz', ring, HZ);
    const b = seal('secret-hz', ring, HZ);
    expect(open(a, ring, HZ)).toBe('secret-hz');
    expect(open(b, ring, HZ)).toBe('secret-hz');
    expect(a.iv).not.toBe(b.iv);
    expect(a.ct).not.toBe(b.ct);
    expect(JSON.stringify(a)).not.toContain('secret-hz');
    expect(JSON.stringify(a)).not.toContain(Buffer.from('secret-hz').toString('base64'));
  });

  it('does not open for another org or purpose (a copied ciphertext is useless)', () => {
    const sealed = seal('secret-hz', ring, HZ);
    expect(() => open(sealed, ring, { orgId: 'sh', purpose: 'client-secret' })).toThrow(
      UnsealError,
    );
    expect(() => open(sealed, ring, { orgId: 'hz', purpose: 'link-key' })).toThrow(UnsealError);
  });

  it('does not open when the ciphertext, tag, nonce or named version is tampered with', () => {
    const sealed = seal('secret-hz', ring, HZ);
    const flip = (b64: string) => {
      const buf = Buffer.from(b64, 'base64');
      buf[0] = buf[0]! ^ 1;
      return buf.toString('base64');
    };
    for (const field of ['ct', 'tag', 'iv'] as const)
      expect(() => open({ ...sealed, [field]: flip(sealed[field]) }, ring, HZ)).toThrow(
        UnsealError,
      );
    const two = parseKeyring(
      JSON.stringify({ current: 2, keys: { 1: 'x'.repeat(32), 2: material() } }),
    );
    const under2 = seal('secret-hz', two, HZ);
    expect(() => open({ ...under2, v: 1 }, two, HZ)).toThrow(UnsealError);
  });

  it('a different key does not open it', () => {
    const sealed = seal('secret-hz', ring, HZ);
    expect(() => open(sealed, parseKeyring(material()), HZ)).toThrow(UnsealError);
  });

  it('rotation: seals with the newest version, opens each item with the version it names', () => {
    const [m1, m2] = [material(), material()];
    const before = parseKeyring(m1);
    const old = seal('secret-hz', before, HZ);
    expect(old.v).toBe(1);
    const after = parseKeyring(JSON.stringify({ current: 2, keys: { 1: m1, 2: m2 } }));
    const fresh = seal('secret-hz', after, HZ);
    expect(fresh.v).toBe(2);
    expect(open(old, after, HZ)).toBe('secret-hz');
    expect(open(fresh, after, HZ)).toBe('secret-hz');
    expect(() => open(fresh, before, HZ)).toThrow(UnknownKeyVersion);
    const retired = parseKeyring(JSON.stringify({ current: 2, keys: { 2: m2 } }));
    expect(() => open(old, retired, HZ)).toThrow(UnknownKeyVersion);
  });

  it('refuses a keyring it cannot use, naming the fault and never the material', () => {
    const short = 'too-short';
    for (const text of [
      undefined,
      short,
      '{not json',
      JSON.stringify({ current: 3, keys: { 1: material() } }),
      JSON.stringify({ current: 1, keys: { 1: short } }),
      JSON.stringify({ current: 1, keys: { one: material() } }),
    ]) {
      expect(() => parseKeyring(text)).toThrow(KeyringError);
      try {
        parseKeyring(text);
      } catch (e) {
        expect((e as Error).message).not.toContain(short);
      }
    }
  });
});

describe('org vault: org names sealed in the store, other names in the inner store', () => {
  const memoryStore = () => {
    const items = new Map<string, Sealed>();
    const store: SealedStore = {
      getOrgSecret: async (o, p) => items.get(`${o}/${p}`),
      putOrgSecret: async (o, p, s) => void items.set(`${o}/${p}`, s),
    };
    return { items, store };
  };

  it('routes org/<id>/<purpose> to sealed items and system names to the inner store', async () => {
    const { items, store } = memoryStore();
    const inner = new Map<string, string>();
    const secrets = withOrgVault(
      { get: async (n) => inner.get(n), put: async (n, v) => void inner.set(n, v) },
      orgVault(
        keyringSource(async () => material()),
        store,
      ),
    );
    await secrets.put('org/hz/client-secret', 'secret-hz');
    await secrets.put('org/hz/link-key', 'link-hz');
    await secrets.put('system/erp/signing-secret', 'whsec_x');
    expect([...inner.keys()]).toEqual(['system/erp/signing-secret']);
    expect([...items.keys()].sort()).toEqual(['hz/client-secret', 'hz/link-key']);
    expect(JSON.stringify([...items.values()])).not.toContain('secret-hz');
    expect(await secrets.get('org/hz/client-secret')).toBe('secret-hz');
    expect(await secrets.get('org/hz/link-key')).toBe('link-hz');
    expect(await secrets.get('org/sh/client-secret')).toBeUndefined();
    expect(() => parseOrgSecretName('org/hz/password')).toThrow(/expected org/);
  });

  it('keeps a sealed item for its TTL; a put replaces it; a miss is re-read', async () => {
    const { store } = memoryStore();
    let reads = 0;
    const counting: SealedStore = {
      getOrgSecret: (o, p) => (reads++, store.getOrgSecret(o, p)),
      putOrgSecret: (...a) => store.putOrgSecret(...a),
    };
    let t = 0;
    const keys = keyringSource(async () => 'm'.repeat(40));
    const vault = orgVault(keys, counting, 300_000, () => t);
    const other = orgVault(keys, store); // another container
    expect(await vault.get('hz', 'link-key')).toBeUndefined();
    await other.put('hz', 'link-key', 'first');
    expect(await vault.get('hz', 'link-key')).toBe('first'); // a miss was not kept
    await other.put('hz', 'link-key', 'second');
    t = 299_999;
    expect(await vault.get('hz', 'link-key')).toBe('first'); // within the TTL
    expect(reads).toBe(2);
    t = 300_000;
    expect(await vault.get('hz', 'link-key')).toBe('second');
    await vault.put('hz', 'link-key', 'third');
    expect(await vault.get('hz', 'link-key')).toBe('third');
    expect(reads).toBe(3);
  });

  it('reads the key again once when an item names a version it has not seen', async () => {
    const { store } = memoryStore();
    const [m1, m2] = [material(), material()];
    let text = m1;
    let loads = 0;
    const keys = keyringSource(async () => (loads++, text), 60_000);
    const stale = orgVault(keys, store);
    await stale.put('hz', 'client-secret', 'old'); // this container caches version 1
    text = JSON.stringify({ current: 2, keys: { 1: m1, 2: m2 } });
    const other = orgVault(
      keyringSource(async () => text),
      store,
    );
    await other.put('hz', 'client-secret', 'new'); // another container seals under version 2
    expect(await stale.get('hz', 'client-secret')).toBe('new');
    expect(loads).toBe(2);
  });
});
