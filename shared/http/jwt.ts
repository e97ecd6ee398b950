import { createHmac, timingSafeEqual } from 'node:crypto';
import * as z from 'zod';
import { Unauthorized } from '../errors.js';

export const ROLES = ['expense', 'operator'] as const;
export type Role = (typeof ROLES)[number];

const claimsSchema = z.object({
  sub: z.string().min(1),
  orgId: z.string().min(1).optional(),
  roles: z.array(z.string()).default([]),
  exp: z.number().optional(),
  nbf: z.number().optional(),
});
export type Principal = { sub: string; orgId?: string | undefined; roles: Role[] };

const b64 = (s: string | Buffer): string => Buffer.from(s).toString('base64url');

/** Sign an HS256 JWT (local dev tokens and tests). */
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

/** Verify a `Bearer` HS256 JWT; any flaw is a 401 that does not say which part failed. */
export const verifyBearer = (
  authorization: string | undefined,
  secret: string,
  nowMs = Date.now(),
): Principal => {
  const m = /^Bearer ([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)$/.exec(
    authorization ?? '',
  );
  if (!m) throw new Unauthorized();
  const [, head, body, sig] = m as unknown as [string, string, string, string];
  let header: unknown;
  let payload: unknown;
  try {
    header = JSON.parse(Buffer.from(head, 'base64url').toString('utf8'));
    payload = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
  } catch {
    throw new Unauthorized();
  }
  if ((header as { alg?: unknown } | null)?.alg !== 'HS256') throw new Unauthorized();
  const expected = createHmac('sha256', secret).update(`${head}.${body}`).digest();
  const given = Buffer.from(sig, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected))
    throw new Unauthorized();
  const claims = claimsSchema.safeParse(payload);
  if (!claims.success) throw new Unauthorized();
  const now = Math.floor(nowMs / 1000);
  if (claims.data.exp !== undefined && claims.data.exp < now)
    throw new Unauthorized('token expired');
  if (claims.data.nbf !== undefined && claims.data.nbf > now + 60) throw new Unauthorized();
  const roles = claims.data.roles.filter((r): r is Role =>
    (ROLES as readonly string[]).includes(r),
  );
  return { sub: claims.data.sub, orgId: claims.data.orgId, roles };
};
