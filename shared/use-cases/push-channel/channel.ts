/**
 * One org's side of the push channel: its polling token (cached until shortly before it expires;
 * a 1300 answer fetches a fresh one once and repeats the call), the poll and the acknowledgement.
 */
import { CloudError, type CloudAuth, type CloudClient } from '../../adapters/cloud/client.js';
import { CODES, type PushMessage } from '../../adapters/cloud/contract.js';

interface Cached {
  token: string;
  expiresAt: number;
}
/** Polling tokens per org and client, kept for the life of the container. */
export type PollTokens = Map<string, Promise<Cached>>;
export const pollTokens = (): PollTokens => new Map();

export interface OrgChannel {
  /** The next message, or null when the cloud has nothing yet. */
  poll(): Promise<PushMessage | null>;
  ack(msgId: string): Promise<void>;
}

export const orgChannel = (
  orgId: string,
  auth: CloudAuth,
  linkKey: string,
  cloud: CloudClient,
  tokens: PollTokens,
): OrgChannel => {
  const key = `${orgId}\u0000${auth.clientId}`;
  const token = async (fresh: boolean): Promise<string> => {
    const cached = tokens.get(key);
    if (!fresh && cached) {
      const t = await cached.catch(() => undefined);
      if (t && t.expiresAt > Date.now()) return t.token;
    }
    const p = cloud.pollToken(auth).then(({ token: value, expiresIn }) => {
      const ttlMs = expiresIn * 1000;
      return { token: value, expiresAt: Date.now() + ttlMs - Math.min(300_000, ttlMs / 10) };
    });
    tokens.set(key, p);
    p.catch(() => tokens.delete(key));
    return (await p).token;
  };
  /** The call with the cached token; on 1300 once more with a fresh one. */
  const withToken = async <T>(call: (token: string) => Promise<T>): Promise<T> => {
    try {
      return await call(await token(false));
    } catch (e) {
      if (!(e instanceof CloudError) || e.code !== CODES.tokenInvalid) throw e;
      return call(await token(true));
    }
  };
  return {
    poll: () => withToken((t) => cloud.poll(auth, t, linkKey)),
    ack: (msgId) => withToken((t) => cloud.ack(auth, t, linkKey, msgId)),
  };
};
