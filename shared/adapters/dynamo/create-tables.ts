import {
  CreateTableCommand,
  DescribeTableCommand,
  ResourceInUseException,
  UpdateTimeToLiveCommand,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { projectionOf, TABLES, type TableKey, type TableNames } from './tables.js';

/** Create every table of `TABLES` (local stack and tests); existing tables are left as they are. */
export const createTables = async (client: DynamoDBClient, names: TableNames): Promise<void> => {
  await Promise.all(
    (Object.keys(TABLES) as TableKey[]).map(async (key) => {
      const def = TABLES[key];
      const attrs = new Set<string>([def.partitionKey, def.sortKey]);
      for (const ix of def.indexes) attrs.add(ix.partitionKey).add(ix.sortKey);
      try {
        await client.send(
          new CreateTableCommand({
            TableName: names[key],
            BillingMode: 'PAY_PER_REQUEST',
            AttributeDefinitions: [...attrs].map((a) => ({ AttributeName: a, AttributeType: 'S' })),
            KeySchema: [
              { AttributeName: def.partitionKey, KeyType: 'HASH' },
              { AttributeName: def.sortKey, KeyType: 'RANGE' },
            ],
            GlobalSecondaryIndexes: def.indexes.length
              ? def.indexes.map((ix) => ({
                  IndexName: ix.name,
                  KeySchema: [
                    { AttributeName: ix.partitionKey, KeyType: 'HASH' },
                    { AttributeName: ix.sortKey, KeyType: 'RANGE' },
                  ],
                  Projection: projectionOf(ix),
                }))
              : undefined,
          }),
        );
        if ('ttl' in def && def.ttl) {
          await client.send(
            new UpdateTimeToLiveCommand({
              TableName: names[key],
              TimeToLiveSpecification: { AttributeName: def.ttl, Enabled: true },
            }),
          );
        }
      } catch (e) {
        if (!(e instanceof ResourceInUseException)) throw e;
      }
      await client.send(new DescribeTableCommand({ TableName: names[key] }));
    }),
  );
};
