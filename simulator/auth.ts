/**
 * The simulator's credential checks: the signed token calls (ordinary and polling) and the
 * body-signed calls — `1200` no client_id, `1001` a bad or stale (> 5 min) timestamp, `1101` an
 * unknown client or a wrong sign, `1001` a `tin` that is not the client's org.
 */
import { createHash, randomUUID } from 'node:crypto';
import { CODES, WIRE } from '#shared/adapters/cloud/contract.js';

export type Reply = [code: string, description: string, data?: unknown];

export interface SimClient {
  taxNo: string;
  clientId: string;
  clientSecret: string;
}
export interface SimToken {
  taxNo: string;
  expiresAt: number;
}

const md5 = (s: string) => createHash('md5').update(s).digest('hex');

/**
 * The client a signed request (body or query) speaks for, or the refusal. `tin` is checked when
 * `withTin` (every signed call but the ordinary token call).
 */
export const checkSigned = <O extends SimClient>(
  src: Record<string, unknown>,
  orgByClient: (clientId: string) => O | undefined,
  withTin: boolean,
): O | Reply => {
  const clientId = src[WIRE.clientId];
  const timestamp = src[WIRE.timestamp];
  if (typeof clientId !== 'string' || !clientId)
    return [CODES.missingClientId, 'client_id is required'];
  if (typeof timestamp !== 'string' || !/^\d+$/.test(timestamp))
    return [CODES.badRequest, 'timestamp is required (epoch milliseconds)'];
  if (Math.abs(Date.now() - Number(timestamp)) > 300_000)
    return [CODES.badRequest, 'timestamp is more than 5 minutes off'];
  const org = orgByClient(clientId);
  if (!org || src[WIRE.sign] !== md5(org.clientId + org.clientSecret + timestamp))
    return [CODES.badCredentials, 'client_id or sign is wrong'];
  if (withTin && src[WIRE.tin] !== org.taxNo)
    return [CODES.badRequest, 'tin does not belong to this client'];
  return org;
};
export const isReply = (x: unknown): x is Reply => Array.isArray(x);

/**
 * A token call (ordinary: signed body; polling: signed query with `tin`): issues a token into
 * `tokens`, answering flat (no `data`) as the vendor's token calls do.
 */
export const tokenCall = <O extends SimClient>(
  src: Record<string, unknown>,
  orgByClient: (clientId: string) => O | undefined,
  o: { withTin: boolean; tokens: Map<string, SimToken>; ttlSeconds: number },
) => {
  const who = checkSigned(src, orgByClient, o.withTin);
  if (isReply(who)) return { errcode: who[0], description: who[1] };
  const { ttlSeconds } = o;
  const token = randomUUID().replaceAll('-', '');
  o.tokens.set(token, { taxNo: who.taxNo, expiresAt: Date.now() + ttlSeconds * 1000 });
  return {
    errcode: CODES.ok,
    description: '操作成功',
    [WIRE.accessToken]: token,
    token_type: 'bearer',
    [WIRE.expiresIn]: ttlSeconds,
  };
};

/** The org a token names, or undefined when it is missing, unknown or expired. */
export const tokenOrg = (tokens: Map<string, SimToken>, token: string | undefined) => {
  const t = tokens.get(token ?? '');
  return t && t.expiresAt > Date.now() ? t.taxNo : undefined;
};

/** The push channel's `key`: MD5 of the org's link key. */
export const linkKeyHash = md5;
