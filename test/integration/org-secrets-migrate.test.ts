/**
 * The upgrade and rotation tool (`scripts/org-secrets.ts`): legacy per-org Secrets Manager secrets
 * into sealed config items on DynamoDB Local, Secrets Manager through aws-sdk-client-mock (no
 * emulator) with the exact commands asserted.
 */
import {
  DeleteSecretCommand,
  GetSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { createDocClient } from '#shared/adapters/dynamo/dynamo.js';
import { keyringSource, orgVault } from '#shared/adapters/secrets/org-vault.js';
import { localClientConfig } from '#local/dynamo-local.js';
import { LEGACY_RECOVERY_DAYS, runOrgSecretsTool } from '../../scripts/org-secrets.js';
import { startHarness, type Harness } from '../support/harness.js';

const KEY_ARN = 'arn:aws:secretsmanager:cn-north-1:123456789012:secret:OrgSecretKey-AbCdEf';
const KEY_V1 = 'k'.repeat(20) + 'first-key-material-0123456789';
const LEGACY: Record<string, string> = {
  'stack/org/a/client-secret': 'legacy-secret-a',
  'stack/org/a/link-key': 'legacy-link-a',
  'stack/org/b/client-secret': 'legacy-secret-b-older',
};
const notFound = () => new ResourceNotFoundException({ message: 'no such secret', $metadata: {} });

let h: Harness;
const sm = mockClient(SecretsManagerClient);
beforeAll(async () => {
  h = await startHarness({ register: false });
  for (const [orgId, i] of [
    ['a', 1],
    ['b', 2],
    ['c', 3],
  ] as const) {
    const org = { orgName: `Org ${orgId}`, taxNo: `9133010000000000${i}X`, clientId: `c-${orgId}` };
    expect((await h.api('PUT', `/orgs/${orgId}`, org)).status).toBe(201);
  }
});
afterAll(async () => {
  sm.restore();
  await h.stop();
});

const tool = (argv: string[], lines: string[] = []) =>
  runOrgSecretsTool(
    [...argv, '--table', h.stack.tables.config, '--key', KEY_ARN],
    {
      sm: new SecretsManagerClient({ region: 'cn-north-1' }),
      db: createDocClient(localClientConfig(process.env.DYNAMO_ENDPOINT!)),
    },
    (l) => lines.push(l),
  );
const vault = (key: string) =>
  orgVault(
    keyringSource(async () => key),
    h.stack.deps.stores.config,
  );

describe('scripts/org-secrets.ts', () => {
  it('migrate: legacy secrets sealed, a newer item kept, legacy deleted', async () => {
    sm.reset();
    sm.on(GetSecretValueCommand).rejects(notFound());
    sm.on(GetSecretValueCommand, { SecretId: KEY_ARN }).resolves({ SecretString: KEY_V1 });
    for (const [SecretId, SecretString] of Object.entries(LEGACY))
      sm.on(GetSecretValueCommand, { SecretId }).resolves({ SecretString });
    sm.on(DeleteSecretCommand).resolves({});
    // b's secret was set again through the API after the upgrade: newer than its legacy one.
    await vault(KEY_V1).put('b', 'client-secret', 'set-after-upgrade-b');

    const lines: string[] = [];
    const report = await tool(['migrate', '--prefix', 'stack/', '--delete-legacy'], lines);

    expect(report).toEqual({ orgs: 3, migrated: 2, keptNewer: 1, deleted: 3 });
    const gets = sm.commandCalls(GetSecretValueCommand).map((c) => c.args[0].input.SecretId);
    expect(gets.sort()).toEqual(
      [
        KEY_ARN,
        ...['a', 'b', 'c'].flatMap((o) => [
          `stack/org/${o}/client-secret`,
          `stack/org/${o}/link-key`,
        ]),
      ].sort(),
    );
    expect(sm.commandCalls(DeleteSecretCommand).map((c) => c.args[0].input)).toEqual(
      Object.keys(LEGACY).map((SecretId) => ({
        SecretId,
        RecoveryWindowInDays: LEGACY_RECOVERY_DAYS,
      })),
    );
    const v = vault(KEY_V1);
    expect(await v.get('a', 'client-secret')).toBe('legacy-secret-a');
    expect(await v.get('a', 'link-key')).toBe('legacy-link-a');
    expect(await v.get('b', 'client-secret')).toBe('set-after-upgrade-b');
    expect(await v.get('c', 'client-secret')).toBeUndefined();
    expect(lines.join('\n')).toContain('3/3 organisations');
    for (const plain of Object.values(LEGACY)) expect(lines.join('\n')).not.toContain(plain);

    // Run again: nothing left to move (the legacy secrets are gone).
    sm.on(GetSecretValueCommand, { SecretId: 'stack/org/a/client-secret' }).rejects(notFound());
    sm.on(GetSecretValueCommand, { SecretId: 'stack/org/a/link-key' }).rejects(notFound());
    sm.on(GetSecretValueCommand, { SecretId: 'stack/org/b/client-secret' }).rejects(notFound());
    expect(await tool(['migrate', '--prefix', 'stack/'])).toMatchObject({
      migrated: 0,
      deleted: 0,
    });
  });

  it('rewrap: after a rotation every item names the new version and opens', async () => {
    const ring = { current: 2, keys: { 1: KEY_V1, 2: 'n'.repeat(40) } };
    sm.on(GetSecretValueCommand, { SecretId: KEY_ARN }).resolves({
      SecretString: JSON.stringify(ring),
    });
    expect(await tool(['rewrap'])).toMatchObject({ current: 2, rewrapped: 3, alreadyCurrent: 0 });
    const config = h.stack.deps.stores.config;
    expect((await config.getOrgSecret('a', 'link-key'))?.v).toBe(2);
    // Version 1 retired: the items still open, so nothing depended on it.
    const v2only = vault(JSON.stringify({ current: 2, keys: { 2: ring.keys[2] } }));
    expect(await v2only.get('a', 'client-secret')).toBe('legacy-secret-a');
    expect(await v2only.get('b', 'client-secret')).toBe('set-after-upgrade-b');
  });

  it('refuses a call without its table, key or prefix (usage)', async () => {
    await expect(runOrgSecretsTool(['rewrap'], {} as never)).rejects.toThrow(/usage/);
    await expect(tool(['migrate'])).rejects.toThrow(/migrate needs --prefix/);
  });
});
