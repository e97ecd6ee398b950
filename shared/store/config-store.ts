import {
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import { DEFAULT_CONFIG, type GlobalConfig, type Org } from '../schemas/config.js';
import type { System } from '../schemas/systems.js';
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
        await db
          .send(
            new PutCommand({
              TableName: table,
              Item: { ...configKey.global, config: {}, updatedAt: at },
              ConditionExpression: 'attribute_not_exists(pk)',
            }),
          )
          .catch((e: Error) => {
            if (e.name !== 'ConditionalCheckFailedException') throw e;
          });
      }
      await db.send(
        new UpdateCommand({
          TableName: table,
          Key: configKey.global,
          UpdateExpression: `SET ${entries.map((_, i) => `#c.#k${i} = :v${i}`).join(', ')}, updatedAt = :at`,
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

  async getOrg(orgId: string): Promise<Org | undefined> {
    const { Item } = await db.send(new GetCommand({ TableName: table, Key: configKey.org(orgId) }));
    return Item ? toOrg(Item) : undefined;
  },

  async putOrg(org: Org): Promise<void> {
    await db.send(
      new PutCommand({
        TableName: table,
        Item: {
          ...configKey.org(org.orgId),
          gsi1pk: configKey.orgsIndex,
          gsi1sk: org.orgId,
          ...org,
        },
      }),
    );
  },

  async getSystem(systemId: string): Promise<System | undefined> {
    const { Item } = await db.send(
      new GetCommand({ TableName: table, Key: configKey.system(systemId) }),
    );
    if (!Item) return undefined;
    const { pk: _p, sk: _s, ...system } = Item;
    return system as System;
  },

  async putSystem(system: System): Promise<void> {
    await db.send(
      new PutCommand({
        TableName: table,
        Item: { ...configKey.system(system.systemId), ...system },
      }),
    );
  },

  /** Every organisation (few per deployment; read through the ORGS index, not a scan). */
  async listOrgs(): Promise<Org[]> {
    const out: Org[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await db.send(
        new QueryCommand({
          TableName: table,
          IndexName: 'gsi1',
          KeyConditionExpression: 'gsi1pk = :p',
          ExpressionAttributeValues: { ':p': configKey.orgsIndex },
          ExclusiveStartKey: start,
        }),
      );
      out.push(...(page.Items ?? []).map(toOrg));
      start = page.LastEvaluatedKey;
    } while (start);
    return out;
  },
});
export type ConfigStore = ReturnType<typeof makeConfigStore>;

const toOrg = (i: Record<string, unknown>): Org => ({
  orgId: i.orgId as string,
  orgName: i.orgName as string,
  taxNo: i.taxNo as string,
  clientId: (i.clientId as string | null | undefined) ?? null,
  syncEnabled: i.syncEnabled !== false,
  hasClientSecret: i.hasClientSecret === true,
  pushEnabled: i.pushEnabled === true,
  hasLinkKey: i.hasLinkKey === true,
  updatedAt: i.updatedAt as string,
});
