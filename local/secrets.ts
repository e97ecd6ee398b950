import { randomBytes } from 'node:crypto';
import {
  closeSync,
  constants,
  fchmodSync,
  fstatSync,
  lstatSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
  type Stats,
} from 'node:fs';
import { homedir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Secrets } from '#shared/ports.js';
import { keyringSource, orgVault, withOrgVault } from '#shared/adapters/secrets/org-vault.js';
import { makeConfigStore } from '#shared/adapters/dynamo/config-store.js';

/**
 * `$XDG_CONFIG_HOME/invoice-cloud-bridge/secrets.json`, else under `~/.config`: private to the
 * user.
 */
export const defaultSecretsFile = (env: NodeJS.ProcessEnv = process.env): string =>
  join(
    env.XDG_CONFIG_HOME || join(env.HOME || homedir(), '.config'),
    'invoice-cloud-bridge',
    'secrets.json',
  );

const NOFOLLOW = constants.O_NOFOLLOW ?? 0;

/** Refuse what another local user could have planted: a symlink, or an entry they own. */
const assertOwnEntry = (path: string, st: Stats, what: string): void => {
  if (st.isSymbolicLink())
    throw new Error(`local secrets ${what} ${path} is a symbolic link; refusing to follow it`);
  const uid = process.getuid?.();
  if (uid !== undefined && st.uid !== uid)
    throw new Error(`local secrets ${what} ${path} belongs to another user; refusing it`);
};

/** The directory exists, is ours, is no symlink, and is 0700. */
const privateDir = (dir: string): void => {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const st = lstatSync(dir);
  assertOwnEntry(dir, st, 'directory');
  if (!st.isDirectory()) throw new Error(`local secrets directory ${dir} is not a directory`);
  if ((st.mode & 0o777) !== 0o700) {
    const fd = openSync(dir, constants.O_RDONLY | NOFOLLOW);
    try {
      fchmodSync(fd, 0o700);
    } finally {
      closeSync(fd);
    }
  }
};

/** The file's secrets (none when it does not exist yet), opened without following a symlink. */
const readPrivate = (file: string): Record<string, string> => {
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | NOFOLLOW);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return {};
    if (code === 'ELOOP') assertOwnEntry(file, lstatSync(file), 'file');
    throw e;
  }
  try {
    const st = fstatSync(fd);
    assertOwnEntry(file, st, 'file');
    if (!st.isFile()) throw new Error(`local secrets file ${file} is not a regular file`);
    if ((st.mode & 0o777) !== 0o600) fchmodSync(fd, 0o600);
    return JSON.parse(readFileSync(fd, 'utf8')) as Record<string, string>;
  } finally {
    closeSync(fd);
  }
};

/**
 * Replace the file atomically: a fresh 0600 file (never an existing path or link), then a rename.
 */
const writePrivate = (file: string, data: Record<string, string>): void => {
  const tmp = join(dirname(file), `.${basename(file)}.${randomBytes(6).toString('hex')}.tmp`);
  const flags = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | NOFOLLOW;
  const fd = openSync(tmp, flags, 0o600);
  try {
    fchmodSync(fd, 0o600);
    writeFileSync(fd, JSON.stringify(data));
  } catch (e) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw e;
  }
  closeSync(fd);
  renameSync(tmp, file);
};

/**
 * Local secrets: in memory, optionally persisted to a JSON file outside the repository. The file
 * and its directory are private to the user (0600 / 0700, tightened if looser); a symlink or an
 * entry owned by someone else is refused at start, so a planted file is neither read nor written.
 */
export const localSecrets = (
  file?: string,
  initial: Record<string, string> = {},
): Secrets & { dump(): Record<string, string> } => {
  let data: Record<string, string> = { ...initial };
  if (file) {
    privateDir(dirname(file));
    data = { ...data, ...readPrivate(file) };
  }
  return {
    get: async (name) => data[name],
    put: async (name, value) => {
      data[name] = value;
      if (file) {
        privateDir(dirname(file));
        writePrivate(file, data);
      }
    },
    dump: () => ({ ...data }),
  };
};

/** The local org secret key's name in the local secrets (file) store. */
export const LOCAL_ORG_KEY_NAME = 'keys/org-secrets';

/**
 * Local mode as AWS: org secrets sealed in the config table under one key, the key itself in the
 * local secrets store (the 0600 file when there is one), created at random on first use.
 */
export const withLocalOrgVault = (
  local: Secrets,
  db: DynamoDBDocumentClient,
  configTable: string,
): Secrets => {
  const keys = keyringSource(async () => {
    const stored = await local.get(LOCAL_ORG_KEY_NAME);
    if (stored) return stored;
    const fresh = randomBytes(32).toString('base64url');
    await local.put(LOCAL_ORG_KEY_NAME, fresh);
    return fresh;
  }, Number.POSITIVE_INFINITY);
  return withOrgVault(local, orgVault(keys, makeConfigStore(db, configTable)));
};
