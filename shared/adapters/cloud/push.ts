/**
 * The push channel (INVOICE_CLOUD_API.md, "Invoice push channel"): the client-initiated long poll.
 * The caller keeps the polling token, stores each message, then acknowledges it by `msgId`; an
 * unacknowledged message comes again, so consumers de-duplicate on `msgId`. Poll and ack carry
 * `reqid` and `taxNo` on the query string, as every call but the token call does.
 */
import { createHash } from 'node:crypto';
import { readToken, signed, type CloudAuth, type PollToken } from './auth.js';
import { CLOUD_PATHS, CODES, readPushMessage, RETRYABLE_CODES, WIRE } from './contract.js';
import type { PushMessage } from './contract.js';
import { isOk, refusal, type Transport } from './transport.js';

/** `key` = lowercase hex MD5 of the org's link key. */
const keyOf = (linkKey: string) => createHash('md5').update(linkKey).digest('hex');
/** On a poll, 1307 means "nothing yet": an answer, not a fault to retry. */
const POLL_RETRY_CODES = new Set([...RETRYABLE_CODES].filter((c) => c !== CODES.busy));
/** The query of a poll or an ack: the polling token, the hashed link key, `extra`, the tax no. */
const channelQuery = (
  auth: CloudAuth,
  token: string,
  linkKey: string,
  extra: Record<string, string> = {},
) => ({
  [WIRE.accessToken]: token,
  [WIRE.linkKey]: keyOf(linkKey),
  ...extra,
  [WIRE.taxNo]: auth.taxNo,
});

export const pushChannel = (t: Transport) => ({
  async pollToken(auth: CloudAuth): Promise<PollToken> {
    const path = CLOUD_PATHS.pollToken;
    const query = () => ({ ...signed(auth), [WIRE.tin]: auth.taxNo });
    const clientId = auth.clientId;
    return readToken(path, auth, await t.request({ method: 'GET', path, query, clientId }));
  },

  async poll(auth: CloudAuth, token: string, linkKey: string): Promise<PushMessage | null> {
    const path = CLOUD_PATHS.poll;
    const { reply } = await t.request({
      method: 'GET',
      path,
      traced: true,
      query: () => channelQuery(auth, token, linkKey),
      timeoutMs: t.policy.pollTimeoutMs,
      retryCodes: POLL_RETRY_CODES,
      clientId: auth.clientId,
    });
    if (reply.code === CODES.busy) return null;
    const message = isOk(reply) ? readPushMessage(reply.data) : null;
    if (message) return message;
    throw refusal(path, reply, isOk(reply) ? 'poll answer carries no message' : undefined);
  },

  async ack(auth: CloudAuth, token: string, linkKey: string, msgId: string): Promise<void> {
    const path = CLOUD_PATHS.ack;
    const { reply } = await t.request({
      method: 'GET',
      path,
      traced: true,
      query: () => channelQuery(auth, token, linkKey, { [WIRE.msgId]: msgId }),
      clientId: auth.clientId,
    });
    if (!isOk(reply)) throw refusal(path, reply);
  },
});
