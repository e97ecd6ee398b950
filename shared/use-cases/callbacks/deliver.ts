/**
 * One delivery attempt of a callback to a customer system: signed the Standard Webhooks way, with a
 * webhook id that stays the same across re-sends (receivers de-duplicate on it), redirects not
 * followed, a bounded timeout, only 2xx counted as success. The target is checked against SSRF
 * again at send time and the connection is pinned to the checked address (no second DNS lookup).
 */
import type { Deps } from '../../deps.js';
import { logger } from '../../logger.js';
import { secretNames } from '../../ports.js';
import type { Attempt, InteractionLog } from '../../domain/schemas/interaction.js';
import { postPinned } from '../../adapters/outbound/post.js';
import { signWebhook } from '../../domain/callbacks/sign.js';
import type { System } from '../../domain/schemas/systems.js';
import { assertSafeCallbackUrl } from '../../adapters/outbound/url-guard.js';

export const CALLBACK_TIMEOUT_MS = 15_000;

export interface Target {
  system: System | undefined;
  secret: string | undefined;
}
/** Where and how to sign, per system; a push of many logs reads each system once. */
export type Targets = (systemId: string) => Promise<Target>;

const loadTarget = async (
  systemId: string,
  deps: Pick<Deps<'config', never>, 'stores' | 'secrets'>,
): Promise<Target> => {
  const [system, secret] = await Promise.all([
    deps.stores.config.getSystem(systemId),
    deps.secrets.get(secretNames.systemSigningSecret(systemId)),
  ]);
  return { system, secret };
};

/** Targets cached for the length of one operation (one push request). */
export const cachedTargets = (deps: Pick<Deps<'config', never>, 'stores' | 'secrets'>): Targets => {
  const cache = new Map<string, Promise<Target>>();
  return (systemId) => {
    let t = cache.get(systemId);
    if (!t) cache.set(systemId, (t = loadTarget(systemId, deps)));
    return t;
  };
};

export interface DeliveryOutcome {
  attempt: Attempt;
  /** Seconds the receiver asked us to wait (`Retry-After`), if it did. */
  retryAfter?: number | undefined;
  /** A failure that retrying cannot fix (unknown system, unsafe URL). */
  permanent: boolean;
}

export const deliver = async (
  log: Pick<InteractionLog, 'systemId' | 'logId' | 'orgId'>,
  webhookId: string,
  payload: unknown,
  trigger: Attempt['trigger'],
  deps: Pick<Deps<'config', never>, 'stores' | 'secrets' | 'clock' | 'localMode'>,
  {
    timeoutMs = CALLBACK_TIMEOUT_MS,
    targets,
  }: { timeoutMs?: number | undefined; targets?: Targets } = {},
): Promise<DeliveryOutcome> => {
  const started = Date.now();
  const at = deps.clock().toISOString();
  const fail = (
    error: string,
    permanent: boolean,
    status: number | null = null,
    response = '',
  ): DeliveryOutcome => ({
    attempt: { at, status, latencyMs: Date.now() - started, ok: false, error, response, trigger },
    permanent,
  });
  const { system, secret } = await (targets?.(log.systemId) ?? loadTarget(log.systemId, deps));
  if (!system) return fail(`system ${log.systemId} is not registered`, true);
  // A log goes only to a system of its own org (logs written before orgs owned them carry none).
  if (log.orgId && system.orgId !== log.orgId)
    return fail(`system ${log.systemId} does not belong to organisation ${log.orgId}`, true);
  if (!secret) return fail(`system ${log.systemId} has no signing secret`, true);
  let address: string;
  try {
    [address] = (await assertSafeCallbackUrl(system.callbackUrl, deps.localMode)) as [string];
  } catch (e) {
    return fail((e as Error).message, true);
  }
  const body = JSON.stringify(payload);
  const timestamp = Math.floor(deps.clock().getTime() / 1000);
  try {
    const headers = {
      'content-type': 'application/json',
      'webhook-id': webhookId,
      'webhook-timestamp': String(timestamp),
      'webhook-signature': signWebhook(secret, webhookId, timestamp, body),
    };
    const res = await postPinned(new URL(system.callbackUrl), address, headers, body, timeoutMs);
    const text = res.text;
    const ok = res.status >= 200 && res.status < 300;
    const ra = Number(res.headers['retry-after']);
    return {
      attempt: {
        at,
        status: res.status,
        latencyMs: Date.now() - started,
        ok,
        ...(ok
          ? {}
          : {
              error:
                res.status >= 300 && res.status < 400
                  ? `redirect ${res.status} not followed`
                  : `HTTP ${res.status}`,
            }),
        response: text,
        trigger,
      },
      retryAfter: Number.isFinite(ra) && ra > 0 ? ra : undefined,
      permanent: false,
    };
  } catch (e) {
    if ((e as Error).name === 'TimeoutError')
      return fail(`no answer within ${timeoutMs} ms`, false);
    // The cause (refused, reset, TLS) stays in the function log: in the attempt, shown to
    // operators, it would tell which ports of a host are open.
    logger.warn('callback target unreachable', { logId: log.logId, error: (e as Error).message });
    return fail('unreachable', false);
  }
};
