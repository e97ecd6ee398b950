/** Set-up the bench children share: the bench org in a stack, tables dropped between runs. */
import { DeleteTableCommand, DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { localClientConfig } from '#local/dynamo-local.js';
import type { LocalStack } from '#local/stack.js';
import type { Org } from '#shared/domain/schemas/config.js';
import { BENCH_ORG } from './common.js';

/** The bench org with its cloud secret, written straight to the stores (no API round trip). */
export const putBenchOrg = async (stack: LocalStack): Promise<Org> => {
  await stack.secrets.put('org/bench/client-secret', BENCH_ORG.clientSecret);
  const org: Org = {
    orgId: 'bench',
    orgName: BENCH_ORG.orgName,
    taxNo: BENCH_ORG.taxNo,
    clientId: BENCH_ORG.clientId,
    syncEnabled: true,
    hasClientSecret: true,
    pushEnabled: false,
    hasLinkKey: false,
    updatedAt: '',
  };
  await stack.deps.stores.config.putOrg(org);
  return org;
};

/** Drop every table of one run's prefix, so the next run starts empty. */
export const dropTables = async (endpoint: string, prefix: string): Promise<void> => {
  const c = new DynamoDBClient(localClientConfig(endpoint));
  const { TableNames = [] } = await c.send(new ListTablesCommand({}));
  await Promise.all(
    TableNames.filter((t) => t.startsWith(prefix)).map((t) =>
      c.send(new DeleteTableCommand({ TableName: t })),
    ),
  );
  c.destroy();
};
