import {
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import { DEFAULT_CONFIG, type GlobalConfig, type Org } from '../../domain/schemas/config.js';
import type { System } from '../../domain/schemas/systems.js';
import { ConditionFailed, isConditionFailure } from '../../domain/errors.js';
import { conditional, decodeCursor, encodeCursor, putIfAbsent, queryAll } from './dynamo.js';
import { configKey } from './keys.js';
import type { OrgSecretPurpose, Sealed } from '../../domain/secrets/envelope.js';

/**
 * A sealed org secret's item: beside its org, under a sort key no org read asks for (`getOrg` reads
 * sk ORG; the org lists read the ORGS index, which these items are not in).
 */
const orgSecretKey = (orgId: string, purpose: OrgSecretPurpose) => ({
  pk: configKey.org(orgId).pk,
  sk: `SECRET#${purpose}`,
});

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
    if (!entries.length) return this.getConfig();
    const { Item } = await db.send(new GetCommand({ TableName: table, Key: configKey.global }));
    if (!Item) {
      await putIfAbsent(db, table, { ...configKey.global, config: {}, updatedAt: at });
    }
    const assignments = entries.map((_, i) => `#c.#k${i} = :v${i}`);
    // The item as written answers the call (no second, eventually consistent read).
    const { Attributes } = await db.send(
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
        ReturnValues: 'ALL_NEW',
      }),
    );
    return { ...DEFAULT_CONFIG, ...((Attributes?.config ?? {}) as Partial<GlobalConfig>) };
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
    return Item ? toSystem(Item) : undefined;
  },

  /**
   * Create or replace a system, only while it is new or already the same org's (or predates orgs):
   * false when another org owns it. A system never moves between orgs, even in a race.
   */
  async putSystem(system: System): Promise<boolean> {
    return conditional(
      db.send(
        new PutCommand({
          TableName: table,
          Item: {
            ...configKey.system(system.systemId),
            gsi1pk: configKey.systemsIndex(system.orgId),
            gsi1sk: system.systemId,
            ...system,
          },
          ConditionExpression:
            'attribute_not_exists(pk) OR attribute_not_exists(orgId) OR orgId = :o',
          ExpressionAttributeValues: { ':o': system.orgId },
        }),
      ),
    );
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

  /** One page of organisations by id (the operator console's list). */
  async pageOrgs(limit: number, cursor?: string): Promise<Page<VersionedOrg>> {
    const page = await pageIndex(db, table, configKey.orgsIndex, limit, cursor);
    return { items: page.items.map(toOrg), nextCursor: page.nextCursor };
  },

  /**
   * One page of an org's systems by id. Systems stored before they carried the index key appear
   * once they are registered again.
   */
  async pageSystems(orgId: string, limit: number, cursor?: string): Promise<Page<System>> {
    const page = await pageIndex(db, table, configKey.systemsIndex(orgId), limit, cursor);
    return { items: page.items.map(toSystem), nextCursor: page.nextCursor };
  },

  /** An org's sealed secret (read consistently: a secret just set is the one used). */
  async getOrgSecret(orgId: string, purpose: OrgSecretPurpose): Promise<Sealed | undefined> {
    const Key = orgSecretKey(orgId, purpose);
    const { Item } = await db.send(new GetCommand({ TableName: table, Key, ConsistentRead: true }));
    if (!Item) return undefined;
    const { v, iv, ct, tag } = Item as Sealed;
    return { v, iv, ct, tag };
  },

  /**
   * Write an org's sealed secret. `expected`: the ciphertext read (null: none may exist); a lost
   * condition is a ConditionFailed and writes nothing (the item's org version is kept).
   * `orgVersion`: the org write it belongs to; a secret of a newer org write stays (a no-op).
   * Neither: written over whatever is there.
   */
  async putOrgSecret(
    orgId: string,
    purpose: OrgSecretPurpose,
    sealed: Sealed,
    expected?: Sealed | null,
    orgVersion?: number,
  ): Promise<void> {
    const Key = orgSecretKey(orgId, purpose);
    const { v, iv, ct, tag } = sealed;
    const values = { ':v': v, ':iv': iv, ':ct': ct, ':tag': tag };
    try {
      if (expected !== undefined) {
        await db.send(
          new UpdateCommand({
            TableName: table,
            Key,
            UpdateExpression: 'SET v = :v, iv = :iv, ct = :ct, tag = :tag',
            ConditionExpression: expected === null ? 'attribute_not_exists(pk)' : 'ct = :old',
            ExpressionAttributeValues:
              expected === null ? values : { ...values, ':old': expected.ct },
          }),
        );
        return;
      }
      const versioned = orgVersion === undefined ? {} : { orgVersion };
      const newer =
        orgVersion === undefined
          ? {}
          : {
              ConditionExpression: 'attribute_not_exists(orgVersion) OR orgVersion <= :n',
              ExpressionAttributeValues: { ':n': orgVersion },
            };
      const Item = { ...Key, v, iv, ct, tag, ...versioned };
      await db.send(new PutCommand({ TableName: table, Item, ...newer }));
    } catch (e) {
      if (!isConditionFailure(e)) throw e;
      // A newer org write's secret is stored: this older one is superseded, not an error.
      if (expected === undefined) return;
      throw new ConditionFailed(`${orgId}'s ${purpose} changed meanwhile`);
    }
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

interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** One page of a gsi1 partition in key order, its cursor checked against that partition. */
const pageIndex = async (
  db: DynamoDBDocumentClient,
  table: string,
  pk: string,
  limit: number,
  cursor?: string,
): Promise<Page<Record<string, unknown>>> => {
  const shape = { pk: true, sk: true, gsi1pk: pk, gsi1sk: true } as const;
  const { Items, LastEvaluatedKey } = await db.send(
    new QueryCommand({
      TableName: table,
      IndexName: 'gsi1',
      KeyConditionExpression: 'gsi1pk = :p',
      ExpressionAttributeValues: { ':p': pk },
      ExclusiveStartKey: decodeCursor(cursor, shape),
      Limit: limit,
    }),
  );
  return { items: Items ?? [], nextCursor: encodeCursor(LastEvaluatedKey) };
};

const toSystem = (i: Record<string, unknown>): System => {
  const { pk: _p, sk: _s, gsi1pk: _g, gsi1sk: _h, ...system } = i;
  return system as unknown as System;
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
