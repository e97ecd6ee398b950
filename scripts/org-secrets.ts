/**
 * Operator tool for the sealed org secrets (docs/secrets.md), with the caller's AWS credentials:
 *
 *   npx tsx scripts/org-secrets.ts migrate --table <ConfigTable> --key <OrgSecretKey ARN> \
 *     --prefix <stateful stack name>/ [--delete-legacy]
 *   npx tsx scripts/org-secrets.ts rewrap --table <ConfigTable> --key <OrgSecretKey ARN>
 *
 * `migrate` moves the legacy per-org Secrets Manager secrets (`<prefix>org/<orgId>/client-secret`
 * and `/link-key`) into sealed items; `rewrap` re-encrypts every item to the keyring's newest
 * version after a rotation. Both print progress and a summary of counts, never a secret.
 */
import { pathToFileURL } from 'node:url';
import { DeleteSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { secretsManager } from '../shared/adapters/aws/secrets-manager.js';
import {
  migrateLegacyOrgSecrets,
  rewrapOrgSecrets,
  type MigrateReport,
  type RewrapReport,
} from '../shared/use-cases/secrets/maintenance.js';
import { keyringSource } from '../shared/adapters/secrets/org-vault.js';
import { makeConfigStore } from '../shared/adapters/dynamo/config-store.js';
import { createDocClient } from '../shared/adapters/dynamo/dynamo.js';

/** Days a deleted legacy secret stays recoverable (Secrets Manager allows 7–30). */
export const LEGACY_RECOVERY_DAYS = 7;

const USAGE =
  'usage: org-secrets.ts migrate|rewrap --table <config table> --key <org secret key ARN> ' +
  '[--prefix <stack>/] [--delete-legacy]';

const flag = (argv: string[], name: string): string | undefined => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : undefined;
};

/** Run one command of the tool on the given clients; returns its report (also printed). */
export const runOrgSecretsTool = async (
  argv: string[],
  clients: { sm: SecretsManagerClient; db: DynamoDBDocumentClient },
  print: (line: string) => void = console.log,
): Promise<MigrateReport | RewrapReport> => {
  const [command] = argv;
  const table = flag(argv, 'table');
  const keyArn = flag(argv, 'key');
  const prefix = flag(argv, 'prefix');
  if (!table || !keyArn || (command !== 'migrate' && command !== 'rewrap')) throw new Error(USAGE);
  if (command === 'migrate' && !prefix) throw new Error(`migrate needs --prefix. ${USAGE}`);
  const config = makeConfigStore(clients.db, table);
  const keyStore = secretsManager(clients.sm, '', 0);
  const deps = {
    listOrgs: () => config.listOrgs(),
    keys: keyringSource(() => keyStore.get(keyArn), 0),
    store: config,
    progress: print,
  };
  let report: MigrateReport | RewrapReport;
  if (command === 'rewrap') report = await rewrapOrgSecrets(deps);
  else {
    const legacyPrefix = prefix!;
    const deleteLegacy = argv.includes('--delete-legacy')
      ? async (name: string) => {
          const SecretId = `${legacyPrefix}${name}`;
          await clients.sm.send(
            new DeleteSecretCommand({ SecretId, RecoveryWindowInDays: LEGACY_RECOVERY_DAYS }),
          );
        }
      : undefined;
    const legacy = secretsManager(clients.sm, legacyPrefix, 0);
    report = await migrateLegacyOrgSecrets({ ...deps, legacy, deleteLegacy });
  }
  print(`${command}: ${JSON.stringify(report)}`);
  return report;
};

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  runOrgSecretsTool(process.argv.slice(2), {
    sm: new SecretsManagerClient({}),
    db: createDocClient(),
  }).catch((e: unknown) => {
    console.error(`org-secrets: ${(e as Error).message}`);
    process.exitCode = 1;
  });
}
