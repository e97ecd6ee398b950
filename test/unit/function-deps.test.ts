import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { awsDeps } from '#functions/aws-deps.js';
import { FUNCTIONS, QUEUE_ENV, type FunctionName } from '#functions/catalog.js';
import type { FunctionDeps } from '#functions/deps.js';
import { TABLES, type TableKey } from '#shared/adapters/dynamo/tables.js';

/** Exactly the variables the stack sets for `fn` (tables and queues of its catalog entry). */
const stackEnv = (fn: FunctionName): Record<string, string> => {
  const env: Record<string, string> = {};
  for (const t of Object.keys(FUNCTIONS[fn].tables) as TableKey[]) env[TABLES[t].env] = `t-${t}`;
  for (const q of FUNCTIONS[fn].sends) env[QUEUE_ENV[q]] = `https://sqs.local/${q}`;
  if (Object.keys(FUNCTIONS[fn].secrets).length) env.SECRETS_PREFIX = 'stack/';
  return env;
};
const ALL_VARS = [
  ...Object.values(TABLES).map((t) => t.env),
  ...Object.values(QUEUE_ENV),
  'SECRETS_PREFIX',
];

const withEnv = <T>(env: Record<string, string>, run: () => T): T => {
  const saved = { ...process.env };
  for (const v of ALL_VARS) delete process.env[v];
  Object.assign(process.env, env);
  try {
    return run();
  } finally {
    process.env = saved;
  }
};

describe('each function gets the dependencies its catalog entry grants, and no others', () => {
  it.each(Object.keys(FUNCTIONS) as FunctionName[])(
    '%s starts with only its own variables',
    (fn) => {
      const deps = withEnv(stackEnv(fn), () => awsDeps(fn));
      const tables = Object.keys(FUNCTIONS[fn].tables);
      const expected = Object.entries({
        config: 'config',
        users: 'users',
        runs: 'runs',
        invoices: 'invoices',
        links: 'links',
        bills: 'billLogs',
        logs: 'interactionLogs',
        push: 'config',
        fetches: 'interactionLogs',
      })
        .filter(([, table]) => tables.includes(table))
        .map(([store]) => store);
      expect(Object.keys(deps.stores).sort()).toEqual(expected.sort());
      expect(Object.keys(deps.queues).sort()).toEqual([...FUNCTIONS[fn].sends].sort());
    },
  );

  it('a granted table without its variable is named at start', () => {
    const env = stackEnv('sync-retry');
    delete env.RUNS_TABLE;
    expect(() => withEnv(env, () => awsDeps('sync-retry'))).toThrow(
      'sync-retry: environment variable RUNS_TABLE is not set by the stack',
    );
  });

  it('a function granted no secret kind has no secrets port to call', async () => {
    const deps = withEnv(stackEnv('bills-api'), () => awsDeps('bills-api'));
    await expect(deps.secrets.get('org/hz/client-secret')).rejects.toThrow(
      'bills-api: no runtime secrets are granted',
    );
  });

  it('a queue is sent to at the URL the stack gave', async () => {
    const sqs = mockClient(SQSClient);
    sqs.on(SendMessageCommand).resolves({ MessageId: 'm1' });
    const deps = withEnv(stackEnv('daily-sync'), () => awsDeps('daily-sync'));
    await deps.queues.sync.send({ runId: 'r1' });
    expect(sqs).toHaveReceivedCommandWith(SendMessageCommand, {
      QueueUrl: 'https://sqs.local/sync',
      MessageBody: '{"runId":"r1"}',
    });
    sqs.restore();
  });

  it('a store or queue the function is not granted is a type error (checked by tsc)', () => {
    const deps = withEnv(stackEnv('sync-retry'), () => awsDeps('sync-retry'));
    const typed: FunctionDeps<'sync-retry'> = deps;
    // @ts-expect-error sync-retry is granted the runs table only
    expect(typed.stores.invoices).toBeUndefined();
    // @ts-expect-error sync-retry sends to the sync queue only
    expect(typed.queues.callbacks).toBeUndefined();
    expect(typed.stores.runs).toBeDefined();
  });
});
