import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { createTables } from '#shared/adapters/dynamo/create-tables.js';
import { createDocClient } from '#shared/adapters/dynamo/dynamo.js';
import { localTableNames, TABLES } from '#shared/adapters/dynamo/tables.js';
import { localClientConfig } from '#local/dynamo-local.js';
import { makeRunStore } from '#shared/adapters/dynamo/run-store.js';
import { newRun } from '#shared/use-cases/sync/start.js';

const endpoint = process.env.DYNAMO_ENDPOINT!;

describe('DynamoDB Local with the real table definitions', () => {
  const client = new DynamoDBClient(localClientConfig(endpoint));
  const names = localTableNames(`t-dyn-${Date.now()}`);
  const db = createDocClient(localClientConfig(endpoint));
  beforeAll(() => createTables(client, names));
  afterAll(() => client.destroy());

  it('creates every table with the keys and indexes of the definitions', async () => {
    for (const [key, def] of Object.entries(TABLES)) {
      const { Table } = await client.send(
        new DescribeTableCommand({ TableName: names[key as keyof typeof names] }),
      );
      expect(Table?.KeySchema?.map((k) => k.AttributeName)).toEqual([
        def.partitionKey,
        def.sortKey,
      ]);
      expect((Table?.GlobalSecondaryIndexes ?? []).map((i) => i.IndexName).sort()).toEqual(
        def.indexes.map((i) => i.name).sort(),
      );
    }
  });

  it('round-trips an item and refuses a conditional create of an existing key', async () => {
    const item = { pk: 'X#1', sk: 'A', n: 1 };
    await db.send(
      new PutCommand({
        TableName: names.config,
        Item: item,
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
    const { Item } = await db.send(
      new GetCommand({ TableName: names.config, Key: { pk: 'X#1', sk: 'A' } }),
    );
    expect(Item).toEqual(item);
    await expect(
      db.send(
        new PutCommand({
          TableName: names.config,
          Item: { ...item, n: 2 },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      ),
    ).rejects.toMatchObject({ name: 'ConditionalCheckFailedException' });
    const after = await db.send(
      new GetCommand({ TableName: names.config, Key: { pk: 'X#1', sk: 'A' } }),
    );
    expect(after.Item?.n).toBe(1);
  });

  it('a run store lease is exclusive until it expires', async () => {
    const runs = makeRunStore(db, names.runs);
    const run = newRun({
      runId: 'r1',
      org: {
        orgId: 'o',
        orgName: 'O',
        taxNo: 'T',
        clientId: 'c',
        syncEnabled: true,
        hasClientSecret: true,
        pushEnabled: false,
        hasLinkKey: false,
        updatedAt: '',
      },
      type: 'input',
      dataDate: null,
      trigger: 'manual',
      at: new Date().toISOString(),
    });
    expect(await runs.create(run)).toBe(true);
    expect(await runs.create(run)).toBe(false);
    expect(await runs.lease('r1', 'a', 1000, 500)).toBeDefined();
    expect(await runs.lease('r1', 'b', 1200, 500)).toBeUndefined();
    expect(await runs.lease('r1', 'b', 1600, 500)).toBeDefined();
    await expect(
      runs.update('r1', { createdAt: run.createdAt, orgId: 'o', message: 'x' }, { owner: 'a' }),
    ).rejects.toThrow(/lease lost/);
  });
});
