import {
  CreateSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  ResourceNotFoundException,
  type SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import type { Secrets } from '../ports.js';

/**
 * Secrets in AWS Secrets Manager under `prefix` (the stack's own path). Reads are cached for `ttlMs`
 * per warm container; writes create the secret the first time.
 */
export const secretsManager = (client: SecretsManagerClient, prefix: string, ttlMs = 300_000, now = Date.now): Secrets => {
  const cache = new Map<string, { value: string | undefined; at: number }>();
  return {
    async get(name) {
      const hit = cache.get(name);
      if (hit && now() - hit.at < ttlMs) return hit.value;
      let value: string | undefined;
      try {
        value = (await client.send(new GetSecretValueCommand({ SecretId: `${prefix}${name}` }))).SecretString;
      } catch (e) {
        if (!(e instanceof ResourceNotFoundException)) throw e;
      }
      cache.set(name, { value, at: now() });
      return value;
    },
    async put(name, value) {
      try {
        await client.send(new PutSecretValueCommand({ SecretId: `${prefix}${name}`, SecretString: value }));
      } catch (e) {
        if (!(e instanceof ResourceNotFoundException)) throw e;
        await client.send(new CreateSecretCommand({ Name: `${prefix}${name}`, SecretString: value }));
      }
      cache.set(name, { value, at: now() });
    },
  };
};
