/**
 * Bearer tokens (SPEC §4.1): `exp` required, a maximum age from `iat` when present, `iss`/`aud`
 * when configured, the roles claim configurable. Keys: an OIDC issuer's JWKS (RS256/ES256) when
 * configured, else HS256 with the shared secret (local mode, tests, simple deployments). Once a
 * JWKS is configured the shared secret mints nothing.
 */
import { createHmac } from 'node:crypto';
import {
  createRemoteJWKSet,
  jwtVerify,
  type JWTPayload,
  type JWTVerifyGetKey,
  type JWTVerifyOptions,
} from 'jose';
import { Unauthorized } from '../../domain/errors.js';

/**
 * SPEC §4.1: `operator` (every org); `expense`, `user`, `cloud` confined to the token's `orgId`.
 */
export const ROLES = ['operator', 'expense', 'user', 'cloud'] as const;
export type Role = (typeof ROLES)[number];
/** The caller. `orgId` is always present for a principal holding a non-operator role. */
export type Principal = { sub: string; orgId?: string | undefined; roles: Role[] };

export interface AuthSettings {
  /** `iss` required to equal this when set (`AUTH_ISSUER`). */
  issuer?: string | undefined;
  /** `aud` required to contain this when set (`AUTH_AUDIENCE`). */
  audience?: string | undefined;
  /** The issuer's JWKS URL, or `discovery` to read it from the issuer's OIDC discovery document. */
  jwksUrl?: string | undefined;
  /** Claim holding the roles, e.g. `cognito:groups` (`AUTH_ROLES_CLAIM`, default `roles`). */
  rolesClaim: string;
  /** Claim holding the org, e.g. `custom:orgId` (`AUTH_ORG_CLAIM`, default `orgId`). */
  orgClaim: string;
  /** Oldest accepted `iat`, whatever `exp` says (`AUTH_MAX_TOKEN_AGE_SECONDS`, default 12 h). */
  maxTokenAgeSeconds: number;
}

const CLOCK_TOLERANCE_SECONDS = 30;
const DEFAULT_MAX_AGE_SECONDS = 12 * 3600;

/**
 * The auth settings an API function reads from its environment (the stack sets them when
 * configured).
 */
export const authSettingsFromEnv = (
  env: Record<string, string | undefined> = process.env,
): AuthSettings => {
  const age = env.AUTH_MAX_TOKEN_AGE_SECONDS;
  const maxTokenAgeSeconds = age ? Number(age) : DEFAULT_MAX_AGE_SECONDS;
  if (!Number.isInteger(maxTokenAgeSeconds) || maxTokenAgeSeconds <= 0)
    throw new Error(`AUTH_MAX_TOKEN_AGE_SECONDS must be a positive integer, not ${age}`);
  return {
    issuer: env.AUTH_ISSUER || undefined,
    audience: env.AUTH_AUDIENCE || undefined,
    jwksUrl: env.AUTH_JWKS_URL || undefined,
    rolesClaim: env.AUTH_ROLES_CLAIM || 'roles',
    orgClaim: env.AUTH_ORG_CLAIM || 'orgId',
    maxTokenAgeSeconds,
  };
};

const b64 = (s: string | Buffer): string => Buffer.from(s).toString('base64url');

/** Sign an HS256 JWT with `iat` and `exp` (local dev tokens and tests). */
export const signJwt = (
  claims: Record<string, unknown>,
  secret: string,
  ttlSeconds = 12 * 3600,
): string => {
  const now = Math.floor(Date.now() / 1000);
  const head = b64(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
  const body = b64(JSON.stringify({ iat: now, exp: now + ttlSeconds, ...claims }));
  const sig = createHmac('sha256', secret).update(`${head}.${body}`).digest('base64url');
  return `${head}.${body}.${sig}`;
};

/** The JWKS URL named by the issuer's OIDC discovery document. */
const discoverJwks = async (issuer: string): Promise<URL> => {
  const res = await fetch(`${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`, {
    redirect: 'error',
    signal: AbortSignal.timeout(5000),
  });
  const doc = (await res.json()) as { issuer?: unknown; jwks_uri?: unknown };
  if (!res.ok || doc.issuer !== issuer || typeof doc.jwks_uri !== 'string')
    throw new Error(`OIDC discovery of ${issuer} gave no JWKS for that issuer`);
  return new URL(doc.jwks_uri);
};

/** The JWKS key resolver, created once; a failed discovery is retried on the next request. */
const jwksKeys = (s: AuthSettings): (() => Promise<JWTVerifyGetKey>) => {
  let keys: Promise<JWTVerifyGetKey> | undefined;
  return () =>
    (keys ??= (async () => {
      if (s.jwksUrl !== 'discovery') return createRemoteJWKSet(new URL(s.jwksUrl ?? ''));
      if (!s.issuer) throw new Error('AUTH_JWKS_URL=discovery needs AUTH_ISSUER');
      return createRemoteJWKSet(await discoverJwks(s.issuer));
    })().catch((e: unknown) => {
      keys = undefined;
      throw e;
    }));
};

const rolesOf = (value: unknown): Role[] => {
  const names = typeof value === 'string' ? value.split(/[\s,]+/) : value;
  if (!Array.isArray(names)) return [];
  const wanted = new Set(names.map((n) => (typeof n === 'string' ? n.toLowerCase() : '')));
  return ROLES.filter((r) => wanted.has(r));
};

/**
 * The principal a verified payload names; a non-operator without an org is refused (it acts for
 * none).
 */
const principalOf = (payload: JWTPayload, s: AuthSettings): Principal => {
  const roles = rolesOf(payload[s.rolesClaim]);
  const org = payload[s.orgClaim];
  const orgId = typeof org === 'string' && org !== '' ? org : undefined;
  if (typeof payload.sub !== 'string' || payload.sub === '') throw new Unauthorized();
  if (!orgId && !roles.includes('operator') && roles.length > 0)
    throw new Unauthorized(`the token has no ${s.orgClaim} claim, which its roles need`);
  return orgId ? { sub: payload.sub, orgId, roles } : { sub: payload.sub, roles };
};

/**
 * The max token age, applied only when the token carries `iat` (SPEC §4.1 requires `exp` and `sub`
 * only; `exp` still bounds every token). An `iat` in the future or not a number is refused.
 */
const checkAge = (iat: unknown, maxAgeSeconds: number): void => {
  if (iat === undefined) return;
  if (typeof iat !== 'number' || !Number.isFinite(iat)) throw new Unauthorized();
  const age = Date.now() / 1000 - iat;
  if (age - CLOCK_TOLERANCE_SECONDS > maxAgeSeconds || age < -CLOCK_TOLERANCE_SECONDS)
    throw new Unauthorized();
};

/**
 * A verifier of `Authorization: Bearer <JWT>` headers. Any flaw is a 401 that does not say which
 * check failed (except a missing org claim, which is a configuration matter of the issuer).
 */
export const createVerifier = (settings: AuthSettings, secret: () => Promise<string>) => {
  const jwks = settings.jwksUrl ? jwksKeys(settings) : undefined;
  const options: JWTVerifyOptions = {
    algorithms: jwks ? ['RS256', 'ES256'] : ['HS256'],
    requiredClaims: ['exp', 'sub'],
    clockTolerance: CLOCK_TOLERANCE_SECONDS,
    ...(settings.issuer ? { issuer: settings.issuer } : {}),
    ...(settings.audience ? { audience: settings.audience } : {}),
  };
  return async (authorization: string | undefined): Promise<Principal> => {
    const m = /^bearer +([\w-]+\.[\w-]+\.[\w-]*)$/i.exec(authorization?.trim() ?? '');
    if (!m) throw new Unauthorized();
    const key = jwks ? await jwks() : new TextEncoder().encode(await secret());
    let payload: JWTPayload;
    try {
      payload = jwks
        ? (await jwtVerify(m[1]!, key as JWTVerifyGetKey, options)).payload
        : (await jwtVerify(m[1]!, key as Uint8Array, options)).payload;
    } catch {
      throw new Unauthorized();
    }
    checkAge(payload.iat, settings.maxTokenAgeSeconds);
    return principalOf(payload, settings);
  };
};
