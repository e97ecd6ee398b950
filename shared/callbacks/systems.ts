/** Heterogeneous (customer) systems: registration, signing secret shown once, URL checked. */
import { randomBytes } from 'node:crypto';
import type { Deps } from '../deps.js';
import { secretNames } from '../ports.js';
import type { System, SystemPut } from '../schemas/systems.js';
import { assertSafeCallbackUrl } from './url-guard.js';

export const registerSystem = async (
  systemId: string,
  input: SystemPut,
  deps: Deps<'config', never>,
): Promise<{ system: System & { secret?: string }; created: boolean }> => {
  await assertSafeCallbackUrl(input.callbackUrl, deps.localMode);
  const old = await deps.stores.config.getSystem(systemId);
  const system: System = {
    systemId,
    name: input.name,
    callbackUrl: input.callbackUrl,
    updatedAt: deps.clock().toISOString(),
  };
  let secret: string | undefined;
  if (!old || input.rotateSecret) {
    secret = `whsec_${randomBytes(24).toString('base64')}`;
    await deps.secrets.put(secretNames.systemSigningSecret(systemId), secret);
  }
  await deps.stores.config.putSystem(system);
  return { system: secret ? { ...system, secret } : system, created: !old };
};
