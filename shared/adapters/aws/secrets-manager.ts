import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { Secrets } from '../../ports.js';

type ClientSource = SecretsManagerClient | (() => Promise<SecretsManagerClient>);
const notFound = (e: unknown) =>
  (e as { name?: string } | null)?.name === 'ResourceNotFoundException';

/**
 * Secrets in AWS Secrets Manager under `prefix` (the stack's own path). Reads are cached for
 * `ttlMs` per warm container; writes create the secret the first time. The SDK module loads on
 * first use.
 */
export const secretsManager = (
  client: ClientSource,
  prefix: string,
  ttlMs = 300_000,
  now = Date.now,
): Secrets => {
  const cache = new Map<string, { value: string | undefined; at: number }>();
  const sdk = async () => ({
    c: typeof client === 'function' ? await client() : client,
    m: await import('@aws-sdk/client-secrets-manager'),
  });
  return {
    async get(name) {
      const hit = cache.get(name);
      if (hit && now() - hit.at < ttlMs) return hit.value;
      const { c, m } = await sdk();
      let value: string | undefined;
      try {
        value = (await c.send(new m.GetSecretValueCommand({ SecretId: `${prefix}${name}` })))
          .SecretString;
      } catch (e) {
        if (!notFound(e)) throw e;
      }
      cache.set(name, { value, at: now() });
      return value;
    },
    async put(name, value) {
      const { c, m } = await sdk();
      try {
        await c.send(
          new m.PutSecretValueCommand({ SecretId: `${prefix}${name}`, SecretString: value }),
        );
      } catch (e) {
        if (!notFound(e)) throw e;
        await c.send(new m.CreateSecretCommand({ Name: `${prefix}${name}`, SecretString: value }));
      }
      cache.set(name, { value, at: now() });
    },
  };
};
