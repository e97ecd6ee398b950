import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Secrets } from '#shared/ports.js';

/** Local secrets: in memory, optionally persisted to a JSON file outside the repository. */
export const localSecrets = (
  file?: string,
  initial: Record<string, string> = {},
): Secrets & { dump(): Record<string, string> } => {
  let data: Record<string, string> = { ...initial };
  if (file) {
    try {
      data = { ...data, ...(JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>) };
    } catch {
      /* first use */
    }
  }
  return {
    get: async (name) => data[name],
    put: async (name, value) => {
      data[name] = value;
      if (file) {
        mkdirSync(dirname(file), { recursive: true });
        writeFileSync(file, JSON.stringify(data), { mode: 0o600 });
      }
    },
    dump: () => ({ ...data }),
  };
};
