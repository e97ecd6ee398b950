/** The org's credentials on the wire: the MD5 sign and the token answers (INVOICE_CLOUD_API.md). */
import { createHash } from 'node:crypto';
import { CODES, WIRE } from './contract.js';
import { isOk, refusal, type Answer } from './transport.js';

/** The org's invoice-cloud authorization. */
export interface CloudAuth {
  clientId: string;
  clientSecret: string;
  taxNo: string;
}

export interface PollToken {
  token: string;
  /** Seconds, as the cloud answered (`expires_in`). */
  expiresIn: number;
}

/** Tokens by key, each kept until shortly before it expires (`cachedToken`). */
export type TokenCache = Map<string, Promise<{ value: string; expiresAt: number }>>;

/**
 * The token cached under `key`, else (or when `fresh`) a new one from `fetch`, kept until a tenth
 * of its life (at most 5 minutes) before it expires; a failed fetch is not kept.
 */
export const cachedToken = async (
  cache: TokenCache,
  key: string,
  fresh: boolean,
  fetch: () => Promise<PollToken>,
): Promise<string> => {
  const cached = cache.get(key);
  if (!fresh && cached) {
    const tok = await cached.catch(() => undefined);
    if (tok && tok.expiresAt > Date.now()) return tok.value;
  }
  const p = fetch().then(({ token, expiresIn }) => {
    const ttlMs = expiresIn * 1000;
    return { value: token, expiresAt: Date.now() + ttlMs - Math.min(300_000, ttlMs / 10) };
  });
  cache.set(key, p);
  p.catch(() => cache.delete(key));
  return (await p).value;
};

/** `sign` = lowercase hex MD5(client_id + client_secret + timestamp); the secret never travels. */
export const signed = (auth: CloudAuth) => {
  const timestamp = String(Date.now());
  const sign = createHash('md5')
    .update(auth.clientId + auth.clientSecret + timestamp)
    .digest('hex');
  return { [WIRE.clientId]: auth.clientId, [WIRE.timestamp]: timestamp, [WIRE.sign]: sign };
};

/** A token answer (flat, no `data`): the token and its lifetime, or a clear refusal. */
export const readToken = (path: string, auth: CloudAuth, a: Answer): PollToken => {
  const token = a.json[WIRE.accessToken];
  if (isOk(a.reply) && typeof token === 'string') {
    const ttl = Number(a.json[WIRE.expiresIn]);
    return { token, expiresIn: Number.isFinite(ttl) && ttl > 0 ? ttl : 300 };
  }
  const desc = a.reply.message || 'token request refused';
  const what =
    a.reply.code === CODES.badCredentials
      ? `bad client credentials for clientId ${auth.clientId}: ${desc}`
      : a.reply.code === CODES.missingClientId
        ? `the invoice cloud got no client_id (1200): configure the org's clientId: ${desc}`
        : desc;
  throw refusal(path, { ...a.reply, code: a.reply.code || 'BAD_TOKEN_REPLY' }, what);
};
