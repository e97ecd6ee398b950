/** Heterogeneous (customer) systems: registration, signing secret shown once, URL checked. */
import { randomBytes } from 'node:crypto';
import type { Deps } from '../../deps.js';
import { Conflict, NotFound } from '../../domain/errors.js';
import { secretNames } from '../../ports.js';
import type { System, SystemPut } from '../../domain/schemas/systems.js';
import { assertSafeFetchUrl } from '../orders/url.js';
import { assertSafeCallbackUrl } from '../../adapters/outbound/url-guard.js';

const moved = (systemId: string) =>
  new Conflict(
    `orgId: system ${systemId} belongs to another organisation; ` +
      'a system cannot move between organisations (register a new systemId)',
  );

/**
 * Register or update a system of one org. The callback URL and the order feed's URL, if any, are
 * checked first (400 naming `callbackUrl` or `orderFetchUrl`), then the org must exist (404
 * naming `orgId`); a system of another org is refused (409 naming `orgId`), since its orders and
 * signed results would follow it there. Systems
 * registered before orgs owned them are adopted by the first org that registers them again. The
 * signing secret is created, or rotated on request, before the system is stored, so a system never
 * points at a secret that is not there.
 */
export const registerSystem = async (
  systemId: string,
  input: SystemPut,
  deps: Deps<'config', never>,
): Promise<{ system: System & { secret?: string }; created: boolean }> => {
  await assertSafeCallbackUrl(input.callbackUrl, deps.localMode);
  if (input.orderFetchUrl) await assertSafeFetchUrl(input.orderFetchUrl, deps.localMode);
  if (!(await deps.stores.config.getOrg(input.orgId)))
    throw new NotFound(`orgId: no organisation ${input.orgId}`);
  const old = await deps.stores.config.getSystem(systemId);
  if (old?.orgId && old.orgId !== input.orgId) throw moved(systemId);
  const system: System = {
    systemId,
    orgId: input.orgId,
    name: input.name,
    callbackUrl: input.callbackUrl,
    ...(input.orderFetchUrl ? { orderFetchUrl: input.orderFetchUrl } : {}),
    updatedAt: deps.clock().toISOString(),
  };
  // The system first (refused when another org owns it): a refused request rotates nothing.
  if (!(await deps.stores.config.putSystem(system))) throw moved(systemId);
  let secret: string | undefined;
  if (!old || input.rotateSecret) {
    secret = `whsec_${randomBytes(24).toString('base64')}`;
    await deps.secrets.put(secretNames.systemSigningSecret(systemId), secret);
  }
  return { system: secret ? { ...system, secret } : system, created: !old };
};
