/**
 * One org's side of the push channel: its polling token (cached until shortly before it expires;
 * a 1300 answer fetches a fresh one once and repeats the call), the poll and the acknowledgement.
 */
import { CloudError, type CloudAuth, type CloudClient } from '../../adapters/cloud/client.js';
import { cachedToken, type TokenCache } from '../../adapters/cloud/auth.js';
import { CODES, type PushMessage } from '../../adapters/cloud/contract.js';

/** Polling tokens per org and client, kept for the life of the container. */
export type PollTokens = TokenCache;
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
  const token = (fresh: boolean): Promise<string> =>
    cachedToken(tokens, key, fresh, () => cloud.pollToken(auth));
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
