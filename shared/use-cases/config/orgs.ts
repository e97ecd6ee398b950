/** Organisations (SPEC §3.5, `PUT /orgs/{orgId}`): versioned, so no concurrent edit is lost. */
import type { Deps } from '../../deps.js';
import { BadRequest, ConditionFailed } from '../../domain/errors.js';
import { assertIfMatch, PreconditionFailed } from '../../adapters/http/etag.js';
import { secretNames } from '../../ports.js';
import type { Org, orgPutSchema } from '../../domain/schemas/config.js';
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
 * Create or update an org from the version read (fields not given keep their stored value;
 * `orgName` and `taxNo` needed to create). `ifMatch` (the caller's `If-Match`) must name the
 * current version, else 412 and nothing is written — checked before the client secret is stored,
 * which goes first so an org never points at a secret that is not there.
 */
export const putOrg = async (
  orgId: string,
  input: z.infer<typeof orgPutSchema>,
  ifMatch: string | undefined,
  deps: Pick<Deps<'config', never>, 'stores' | 'secrets' | 'clock'>,
): Promise<{ org: Org; version: number; created: boolean }> => {
  if (input.orgId !== undefined && input.orgId !== orgId)
    throw new BadRequest(`orgId: ${input.orgId} is not the path's ${orgId}`, [
      { path: 'orgId', message: `must equal the path's orgId (${orgId}) when given` },
    ]);
  const old = await deps.stores.config.getOrg(orgId);
  assertIfMatch(ifMatch, old?.version, 'organisation');
  const orgName = input.orgName ?? old?.orgName;
  const taxNo = input.taxNo ?? old?.taxNo;
  if (orgName === undefined || taxNo === undefined) {
    const missing = [orgName === undefined && 'orgName', taxNo === undefined && 'taxNo'];
    const paths = missing.filter((p): p is string => p !== false);
    throw new BadRequest(
      `${paths.join(', ')}: required to create an organisation`,
      paths.map((path) => ({ path, message: 'required to create an organisation' })),
    );
  }
  const org: Org = {
    orgId,
    orgName,
    taxNo,
    clientId: input.clientId === undefined ? (old?.clientId ?? null) : input.clientId,
    syncEnabled: input.syncEnabled ?? old?.syncEnabled ?? true,
    hasClientSecret: Boolean(input.clientSecret) || (old?.hasClientSecret ?? false),
    pushEnabled: input.pushEnabled ?? old?.pushEnabled ?? false,
    hasLinkKey: Boolean(input.linkKey) || (old?.hasLinkKey ?? false),
    updatedAt: deps.clock().toISOString(),
  };
  const problems = pushProblems(org);
  if (problems.length)
    throw new BadRequest(
      `pushEnabled needs ${problems.map((p) => p.path).join(', ')} (set now or before)`,
      problems,
    );
  let version: number;
  try {
    version = await deps.stores.config.putOrg(org, old ? old.version : null);
  } catch (e) {
    if (ifMatch !== undefined && e instanceof ConditionFailed)
      throw new PreconditionFailed('If-Match: the organisation changed meanwhile; read it again');
    throw e;
  }
  // Secrets follow the org write that won (a refused request writes none), tagged with its
  // version, so a slower concurrent request never leaves its secret under another's org fields.
  // A crash in between leaves the previous secret (or none: the sync then says to set it again).
  const tagged = { orgVersion: version };
  if (input.clientSecret)
    await deps.secrets.put(secretNames.orgClientSecret(orgId), input.clientSecret, tagged);
  if (input.linkKey) await deps.secrets.put(secretNames.orgLinkKey(orgId), input.linkKey, tagged);
  return { org, version, created: !old };
};
