/** Organisations (SPEC §3.5, `PUT /orgs/{orgId}`): versioned, so no concurrent edit is lost. */
import type { Deps } from '../deps.js';
import { BadRequest, ConditionFailed } from '../errors.js';
import { assertIfMatch, PreconditionFailed } from '../http/etag.js';
import { secretNames } from '../ports.js';
import type { Org, orgPutSchema } from '../schemas/config.js';
import type { z } from 'zod';

/** Pushing needs the polling token (clientId + secret) and the link key, given now or before. */
const pushProblems = (org: Org) =>
  org.pushEnabled
    ? (
        [
          ['clientId', org.clientId],
          ['clientSecret', org.hasClientSecret],
          ['linkKey', org.hasLinkKey],
        ] as const
      )
        .filter(([, v]) => !v)
        .map(([path]) => ({ path, message: 'required when pushEnabled is true' }))
    : [];

/**
 * Create or replace an org from the version read. `ifMatch` (the caller's `If-Match`) must name
 * the current version, else 412 and nothing is written — checked before the client secret is
 * stored, which goes first so an org never points at a secret that is not there.
 */
export const putOrg = async (
  orgId: string,
  input: z.infer<typeof orgPutSchema>,
  ifMatch: string | undefined,
  deps: Pick<Deps<'config', never>, 'stores' | 'secrets' | 'clock'>,
): Promise<{ org: Org; version: number; created: boolean }> => {
  const old = await deps.stores.config.getOrg(orgId);
  assertIfMatch(ifMatch, old?.version, 'organisation');
  const org: Org = {
    orgId,
    orgName: input.orgName,
    taxNo: input.taxNo,
    clientId: input.clientId === undefined ? (old?.clientId ?? null) : input.clientId,
    syncEnabled: input.syncEnabled,
    hasClientSecret: Boolean(input.clientSecret) || (old?.hasClientSecret ?? false),
    pushEnabled: input.pushEnabled,
    hasLinkKey: Boolean(input.linkKey) || (old?.hasLinkKey ?? false),
    updatedAt: deps.clock().toISOString(),
  };
  const problems = pushProblems(org);
  if (problems.length)
    throw new BadRequest(
      `pushEnabled needs ${problems.map((p) => p.path).join(', ')} (set now or before)`,
      problems,
    );
  // Secrets go first: an org never points at a secret that is not there.
  if (input.clientSecret)
    await deps.secrets.put(secretNames.orgClientSecret(orgId), input.clientSecret);
  if (input.linkKey) await deps.secrets.put(secretNames.orgLinkKey(orgId), input.linkKey);
  try {
    const version = await deps.stores.config.putOrg(org, old ? old.version : null);
    return { org, version, created: !old };
  } catch (e) {
    if (ifMatch !== undefined && e instanceof ConditionFailed)
      throw new PreconditionFailed('If-Match: the organisation changed meanwhile; read it again');
    throw e;
  }
};
