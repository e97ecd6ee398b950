/**
 * The push consumer: for every org with pushing enabled, at the same time and independently (one
 * failing org never holds up another), poll within the time budget and store each message before
 * acknowledging it. An org's turn ends when the cloud has nothing more, when no whole poll fits
 * before the deadline, or at the first failure (that message stays unacknowledged and comes again).
 */
import { logger } from '../../logger.js';
import { secretNames } from '../../ports.js';
import type { GlobalConfig, Org } from '../../domain/schemas/config.js';
import { cloudAuthFor, RunFailure } from '../sync/credentials.js';
import { deadlineOf, type Deadline, type PushBudget } from './budget.js';
import { orgChannel, type PollTokens } from './channel.js';
import { handleMessage, type MessageOutcome, type PushDeps } from './message.js';

export interface OrgPushOutcome {
  orgId: string;
  /** Messages stored and acknowledged in this turn. */
  messages: number;
  /** Messages stored before, acknowledged without a second store. */
  duplicates: number;
  invoices: number;
  skipped: number;
  rejected: number;
  missing: number;
  /** Why the turn ended. */
  stopped: 'empty' | 'budget' | 'failed';
  /** `failed`: what failed, and the message left for redelivery if there was one. */
  error?: string;
  msgId?: string;
}

/** Counts as the org's stats do: a message recorded by someone else first is a duplicate here. */
const add = (o: OrgPushOutcome, m: MessageOutcome) => {
  if (m.status === 'duplicate') {
    o.duplicates++;
    return;
  }
  o.messages++;
  o.invoices += m.stored;
  o.skipped += m.skipped;
  o.rejected += m.rejected;
  o.missing += m.missing;
};

const linkKeyOf = async (orgId: string, deps: PushDeps) => {
  const key = await deps.secrets.get(secretNames.orgLinkKey(orgId));
  if (!key)
    throw new RunFailure(
      `organisation ${orgId} has no push link key stored: set linkKey with PUT /orgs/${orgId}`,
    );
  return key;
};

/** One org's turn; never rejects (a failure is its outcome). */
const consumeOrg = async (
  org: Org,
  deadline: Deadline,
  deps: PushDeps,
  tokens: PollTokens,
  globalConfig: () => Promise<GlobalConfig>,
): Promise<OrgPushOutcome> => {
  const out: OrgPushOutcome = {
    orgId: org.orgId,
    messages: 0,
    duplicates: 0,
    invoices: 0,
    skipped: 0,
    rejected: 0,
    missing: 0,
    stopped: 'empty',
  };
  let msgId: string | undefined;
  try {
    const { auth } = await cloudAuthFor(org.orgId, deps);
    const channel = orgChannel(
      org.orgId,
      auth,
      await linkKeyOf(org.orgId, deps),
      deps.cloud,
      tokens,
    );
    const config = await globalConfig();
    for (;;) {
      if (!deadline.canPoll()) {
        out.stopped = 'budget';
        break;
      }
      const m = await channel.poll();
      if (!m) break;
      msgId = m.msgId;
      add(out, await handleMessage(m, { orgId: org.orgId, auth, channel, config }, deps));
      msgId = undefined;
    }
  } catch (e) {
    out.stopped = 'failed';
    out.error = (e as Error).message;
    if (msgId) out.msgId = msgId;
    logger.error(
      msgId
        ? 'push message not stored or not acknowledged: left for redelivery'
        : 'push channel failed for this org',
      { orgId: org.orgId, ...(msgId ? { msgId } : {}), error: e },
    );
  }
  return out;
};

/** Every org with pushing enabled, each in its own turn, within one deadline. */
export const consumePush = async (
  deps: PushDeps,
  o: { budget: PushBudget; remainingMs: number; tokens: PollTokens },
): Promise<{ orgs: OrgPushOutcome[] }> => {
  const deadline = deadlineOf(o.budget, o.remainingMs);
  const orgs = (await deps.stores.config.listOrgs()).filter((org) => org.pushEnabled);
  // One config read per turn, shared by the orgs (and none when no org pushes).
  let config: Promise<GlobalConfig> | undefined;
  const globalConfig = () => (config ??= deps.stores.config.getConfig());
  const outcomes = await Promise.all(
    orgs.map((org) => consumeOrg(org, deadline, deps, o.tokens, globalConfig)),
  );
  const total = (k: 'messages' | 'duplicates' | 'invoices') =>
    outcomes.reduce((n, x) => n + x[k], 0);
  logger.info('push consumer turn done', {
    orgs: outcomes.length,
    failed: outcomes.filter((x) => x.stopped === 'failed').map((x) => x.orgId),
    messages: total('messages'),
    duplicates: total('duplicates'),
    invoices: total('invoices'),
  });
  const pushed = total('invoices');
  if (pushed) deps.metrics.count('InvoicesSynced', { Kind: 'pushed' }, pushed);
  return { orgs: outcomes };
};
