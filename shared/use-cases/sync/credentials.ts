import type { CloudAuth } from '../../adapters/cloud/client.js';
import type { Deps } from '../../deps.js';
import { secretNames } from '../../ports.js';
import { UnknownKeyVersion, UnsealError } from '../../domain/secrets/envelope.js';
import type { Org } from '../../domain/schemas/config.js';

/** A run-ending problem with a message for the operator (stored as the run's message). */
export class RunFailure extends Error {}

/** The org's cloud authorization, or a RunFailure that says what is missing and where to set it. */
export const cloudAuthFor = async (
  orgId: string,
  deps: Pick<Deps<'config', never>, 'stores' | 'secrets'>,
): Promise<{ org: Org; auth: CloudAuth }> => {
  const org = await deps.stores.config.getOrg(orgId);
  if (!org) throw new RunFailure(`organisation ${orgId} does not exist (any more)`);
  return { org, auth: await authOfOrg(org, deps) };
};

/** {@link cloudAuthFor} of an org already read: its clientId and stored secret, or RunFailure. */
export const authOfOrg = async (org: Org, deps: Pick<Deps, 'secrets'>): Promise<CloudAuth> => {
  const { orgId } = org;
  if (!org.clientId) {
    const fix = `set clientId and clientSecret with PUT /orgs/${orgId}, then sync again`;
    throw new RunFailure(`organisation ${orgId} has no invoice-cloud clientId: ${fix}`);
  }
  const clientSecret = await deps.secrets
    .get(secretNames.orgClientSecret(orgId))
    .catch((e: unknown) => {
      // A sealed secret that does not open (copied, tampered, key retired): the operator sets it.
      if (!(e instanceof UnsealError || e instanceof UnknownKeyVersion)) throw e;
      throw new RunFailure(`${e.message}: set clientSecret again with PUT /orgs/${orgId}`);
    });
  if (!clientSecret)
    throw new RunFailure(
      `organisation ${orgId} has no client secret stored: set clientSecret with PUT /orgs/${orgId}`,
    );
  return { clientId: org.clientId, clientSecret, taxNo: org.taxNo };
};
