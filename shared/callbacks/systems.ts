/** Heterogeneous (customer) systems: registration, signing secret shown once, URL checked. */
import { randomBytes } from 'node:crypto';
import * as z from 'zod';
import type { Deps } from '../deps.js';
import { secretNames } from '../ports.js';
import { assertSafeCallbackUrl } from './url-guard.js';

export const systemPutSchema = z
  .object({
    name: z.string().min(1).max(200),
    callbackUrl: z.string().min(1).max(2048),
    rotateSecret: z.boolean().optional(),
  })
  .strict();

export interface System {
  systemId: string;
  name: string;
  callbackUrl: string;
  updatedAt: string;
}

export const registerSystem = async (
  systemId: string,
  input: z.infer<typeof systemPutSchema>,
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
