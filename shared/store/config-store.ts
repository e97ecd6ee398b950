import {
  GetCommand,
  PutCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import { DEFAULT_CONFIG, type GlobalConfig, type Org } from '../schemas/config.js';
import type { System } from '../schemas/systems.js';
import { ConditionFailed, isConditionFailure } from '../errors.js';
import { putIfAbsent, queryAll } from './dynamo.js';
import { configKey } from './keys.js';

/** Global config and organisations (the seed's `rim_config` and org setup). */
export const makeConfigStore = (db: DynamoDBDocumentClient, table: string) => ({
  async getConfig(): Promise<GlobalConfig> {
    const { Item } = await db.send(new GetCommand({ TableName: table, Key: configKey.global }));
    const stored = (Item?.config ?? {}) as Partial<GlobalConfig>;
    return { ...DEFAULT_CONFIG, ...stored };
  },

  /** Replace the given keys only (one UpdateItem: concurrent puts of other keys are not lost). */
  async patchConfig(patch: Partial<GlobalConfig>, at: string): Promise<GlobalConfig> {
    const entries = Object.entries(patch).filter(([, v]) => v !== undefined);
    if (entries.length) {
      const { Item } = await db.send(new GetCommand({ TableName: table, Key: configKey.global }));
      if (!Item) {
        await putIfAbsent(db, table, { ...configKey.global, config: {}, updatedAt: at });
      }
      const assignments = entries.map((_, i) => `#c.#k${i} = :v${i}`);
      await db.send(
        new UpdateCommand({
          TableName: table,
          Key: configKey.global,
          UpdateExpression: `SET ${assignments.join(', ')}, updatedAt = :at`,
          ExpressionAttributeNames: {
            '#c': 'config',
            ...Object.fromEntries(entries.map(([k], i) => [`#k${i}`, k])),
          },
          ExpressionAttributeValues: {
            ':at': at,
            ...Object.fromEntries(entries.map(([, v], i) => [`:v${i}`, v])),
          },
        }),
      );
    }
    return this.getConfig();
  },

  /** The org and its version (0 for an org stored before orgs had versions). */
  async getOrg(orgId: string): Promise<VersionedOrg | undefined> {
    const { Item } = await db.send(new GetCommand({ TableName: table, Key: configKey.org(orgId) }));
    return Item ? toOrg(Item) : undefined;
  },

  /**
   * Write an org as its next version. `expectedVersion` is the version the caller read (null: it
   * must not exist yet); a lost race (written since) is a ConditionFailed and writes nothing.
   * Without it, the org is written over whatever version is current. Returns the new version.
   */
  async putOrg(org: Org, expectedVersion?: number | null): Promise<number> {
    if (expectedVersion !== undefined) return writeOrg(db, table, org, expectedVersion);
    for (let attempt = 1; ; attempt++) {
      const current = await this.getOrg(org.orgId);
      try {
        return await writeOrg(db, table, org, current ? current.version : null);
      } catch (e) {
        if (!(e instanceof ConditionFailed) || attempt >= 5) throw e;
      }
    }
  },

  async getSystem(systemId: string): Promise<System | undefined> {
    const { Item } = await db.send(
      new GetCommand({ TableName: table, Key: configKey.system(systemId) }),
    );
    if (!Item) return undefined;
    const { pk: _p, sk: _s, ...system } = Item;
    return system as System;
  },

  /**
   * Create or replace a system, only while it is new or already the same org's (or predates orgs):
   * false when another org owns it. A system never moves between orgs, even in a race.
   */
  async putSystem(system: System): Promise<boolean> {
    try {
      await db.send(
        new PutCommand({
          TableName: table,
          Item: { ...configKey.system(system.systemId), ...system },
          ConditionExpression:
            'attribute_not_exists(pk) OR attribute_not_exists(orgId) OR orgId = :o',
          ExpressionAttributeValues: { ':o': system.orgId },
        }),
      );
      return true;
    } catch (e) {
      if ((e as Error).name === 'ConditionalCheckFailedException') return false;
      throw e;
    }
  },

  /** Every organisation (few per deployment; read through the ORGS index, not a scan). */
  async listOrgs(): Promise<Org[]> {
    const items = await queryAll(db, {
      TableName: table,
      IndexName: 'gsi1',
      KeyConditionExpression: 'gsi1pk = :p',
      ExpressionAttributeValues: { ':p': configKey.orgsIndex },
    });
    return items.map(toOrg);
  },
});
export type ConfigStore = ReturnType<typeof makeConfigStore>;

/** One conditional org write (see `putOrg`). */
const writeOrg = async (
  db: DynamoDBDocumentClient,
  table: string,
  org: Org,
  expectedVersion: number | null,
): Promise<number> => {
  const version = (expectedVersion ?? 0) + 1;
  const condition =
    expectedVersion === null
      ? { ConditionExpression: 'attribute_not_exists(pk)' }
      : expectedVersion === 0
        ? { ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(version)' }
        : {
            ConditionExpression: 'version = :v',
            ExpressionAttributeValues: { ':v': expectedVersion },
          };
  const Item = {
    ...configKey.org(org.orgId),
    gsi1pk: configKey.orgsIndex,
    gsi1sk: org.orgId,
    ...org,
    version,
  };
  try {
    await db.send(new PutCommand({ TableName: table, Item, ...condition }));
  } catch (e) {
    if (isConditionFailure(e))
      throw new ConditionFailed('the organisation changed meanwhile; read it again and retry');
    throw e;
  }
  return version;
};

/** An org with its version (its `ETag`). */
export type VersionedOrg = Org & { version: number };

const toOrg = (i: Record<string, unknown>): VersionedOrg => ({
  orgId: i.orgId as string,
  orgName: i.orgName as string,
  taxNo: i.taxNo as string,
  clientId: (i.clientId as string | null | undefined) ?? null,
  syncEnabled: i.syncEnabled !== false,
  hasClientSecret: i.hasClientSecret === true,
  pushEnabled: i.pushEnabled === true,
  hasLinkKey: i.hasLinkKey === true,
  updatedAt: i.updatedAt as string,
  version: typeof i.version === 'number' ? i.version : 0,
});
