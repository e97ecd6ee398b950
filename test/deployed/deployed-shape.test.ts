/**
 * Deployed shape (issue 11): every function of the synthesized, bundled app started in a fresh
 * Node.js process with only the environment its template gives it, calling DynamoDB Local and the
 * SQS / Secrets Manager stand-ins with only the grants its role has. One real flow through the
 * samples of `events/`: register an org, take a message from its push channel, sync it, read it,
 * push a bill event and write it back, then the schedules.
 */
import { reply, reroute, sample, sqsEvent, withToken } from './support/events.js';
import { CLOUD_PATHS } from '#shared/adapters/cloud/contract.js';
import { isAllowed } from './support/iam.js';
import { assertRan, startWorld, type World } from './support/world.js';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { REGION } from './support/intrinsics.js';
import { CREDENTIALS } from './support/invoke.js';

const ORG = 'hz';
const TAX_NO = '91330100MA27XK1234';
const DATA_DATE = '2024-07-22';
const FUNCTIONS = [
  'config-api',
  'manual-sync',
  'sync-worker',
  'sync-api',
  'invoices-api',
  'interaction-api',
  'bills-api',
  'bill-writeback',
  'callback-sender',
  'daily-sync',
  'sync-retry',
  'push-consumer',
  'order-fetch',
  'ops-api',
];

let w: World;
beforeAll(async () => {
  w = await startWorld();
}, 120_000);
afterAll(async () => {
  await w?.stop();
});

const api = async (name: string, event: any) => {
  const res = reply(assertRan(name, await w.run(name, withToken(event, w.tokenSecret))));
  if (res.status >= 500) throw new Error(`${name}: ${res.status} ${JSON.stringify(res.body)}`);
  return res;
};
const sent = (fn: string, variable: string) => {
  const q = w.queueOf(fn, variable);
  return w.standIns.messages.filter((m) => m.fn === fn && m.queue === q.name);
};
const secretCalls = (fn: string) =>
  w.ledger.of(fn, 'secretsmanager').map((c) => `${c.op} ${c.body.SecretId ?? c.body.Name}`);

describe('deployed shape: the bundled functions as the stack deploys them', () => {
  it('the assembly has the 12 functions, each bundled with handler index.handler', () => {
    expect(w.deployed.functions.map((f) => f.name).sort()).toEqual([...FUNCTIONS].sort());
    for (const f of w.deployed.functions) {
      expect(f.entry).toMatch(/asset\.[0-9a-f]+\/index\.mjs$/);
      expect(f.exportName).toBe('handler');
    }
  });

  it('the grants resolve to the resources the functions are given (the check is live)', () => {
    const table = (fn: string, variable: string) =>
      `arn:aws:dynamodb:us-east-1:123456789012:table/${w.fn(fn).env[variable]}`;
    const config = w.fn('config-api').statements;
    const put = (resource: string) => ({ action: 'dynamodb:PutItem', resource });
    expect(isAllowed(config, put(table('config-api', 'CONFIG_TABLE')))).toBe(true);
    expect(isAllowed(config, put(table('invoices-api', 'INVOICES_TABLE')))).toBe(false);
    const writeback = w.queueOf('bills-api', 'WRITEBACK_QUEUE_URL').arn;
    const send = { action: 'sqs:SendMessage', resource: writeback };
    expect(isAllowed(w.fn('bills-api').statements, send)).toBe(true);
    expect(isAllowed(w.fn('sync-api').statements, send)).toBe(false);
  });

  it('config-api: PUT /orgs/hz seals the client secret into the config table (201)', async () => {
    const event = sample('api-config-api');
    const body = { ...JSON.parse(event.body), clientSecret: 'secret-hz' };
    const res = await api('config-api', { ...event, body: JSON.stringify(body) });
    expect(res).toMatchObject({ status: 201, body: { orgId: ORG, clientSecret: '***' } });
    const keyArn = w.fn('config-api').env.ORG_SECRET_KEY_ARN;
    const calls = secretCalls('config-api');
    expect(calls).toContain(`GetSecretValue ${keyArn}`);
    expect(calls.filter((c) => /^(CreateSecret|PutSecretValue)/.test(c))).toEqual([]);
    const puts = w.ledger.of('config-api', 'dynamodb', 'PutItem').map((c) => c.body.Item);
    const sealed = puts.find((i) => i?.sk?.S === 'SECRET#client-secret');
    expect(sealed).toMatchObject({ pk: { S: `ORG#${ORG}` }, ct: { S: expect.any(String) } });
    expect(JSON.stringify(puts)).not.toContain('secret-hz');
  });

  it('config-api: PUT /config switches write-back on (200)', async () => {
    const event = reroute(sample('api-config-api'), 'PUT /config', '/config', { writeback: true });
    expect(await api('config-api', event)).toMatchObject({
      status: 200,
      body: { writeback: true },
    });
  });

  it('config-api: GET /openapi.json and GET /docs answer without a token, no DB call', async () => {
    const base = sample('api-config-api');
    const before = w.ledger.of('config-api', 'dynamodb').length;
    for (const [routeKey, type] of [
      ['GET /openapi.json', 'application/json'],
      ['GET /docs', 'text/html; charset=utf-8'],
    ] as const) {
      const event = { ...base, routeKey, rawPath: routeKey.slice(4), body: undefined, headers: {} };
      const out = assertRan('config-api', await w.run('config-api', event));
      expect({ status: out.statusCode, type: out.headers['content-type'] }).toEqual({
        status: 200,
        type,
      });
      if (routeKey === 'GET /openapi.json') expect(JSON.parse(out.body).openapi).toBe('3.1.0');
    }
    expect(w.ledger.of('config-api', 'dynamodb')).toHaveLength(before);
  });

  const pushConsumerShape =
    'push-consumer: ' +
    'polls hz (link key sealed in the config table), stores the pushed invoices, then acks';
  it(pushConsumerShape, async () => {
    const event = sample('api-config-api');
    const org = { ...JSON.parse(event.body), clientSecret: undefined };
    const put = { ...org, pushEnabled: true, linkKey: 'link-client-hz' };
    const res = await api('config-api', { ...event, body: JSON.stringify(put) });
    expect(res).toMatchObject({ status: 200, body: { pushEnabled: true, linkKey: '***' } });
    const serials = w.sim
      .org(TAX_NO)
      .ledgers.input.slice(0, 2)
      .map((r) => r.serialNo);
    const msgId = w.sim.push(TAX_NO, serials, '差旅');
    const out = assertRan('push-consumer', await w.run('push-consumer', sample('push-consumer')));
    expect(out).toEqual({
      orgs: [expect.objectContaining({ orgId: ORG, stopped: 'empty', messages: 1, invoices: 2 })],
    });
    expect(w.sim.pushed(TAX_NO)).toEqual([]);
    const acks = w.sim.calls.filter((c) => c.path === CLOUD_PATHS.ack);
    expect(acks.map((c) => [c.query.msgId, c.code])).toEqual([[msgId, '0000']]);
    // The link key is a sealed config item: the one Secrets Manager read is the org secret key.
    const keyArn = w.fn('push-consumer').env.ORG_SECRET_KEY_ARN;
    expect(secretCalls('push-consumer')).toEqual([`GetSecretValue ${keyArn}`]);
    const get = reroute(event, 'GET /orgs/{orgId}', `/orgs/${ORG}`, undefined, { orgId: ORG });
    expect(await api('config-api', get)).toMatchObject({
      status: 200,
      body: { pushedMessages: 1, pushedInvoices: 2, lastPushAt: expect.any(String) },
    });
  });

  it('manual-sync: starts one run for hz and sends it to the sync queue', async () => {
    const out = assertRan('manual-sync', await w.run('manual-sync', sample('manual-sync')));
    expect(out).toMatchObject({ runs: [{ orgId: ORG, status: 'queued', dataDate: DATA_DATE }] });
    const msgs = sent('manual-sync', 'SYNC_QUEUE_URL');
    expect(msgs.map((m) => JSON.parse(m.body))).toEqual([{ runId: out.runs[0].runId }]);
  });

  it('sync-worker: runs the queued run against the invoice cloud', async () => {
    const q = w.queueOf('manual-sync', 'SYNC_QUEUE_URL');
    const event = sqsEvent('sync-worker', q.arn, sent('manual-sync', 'SYNC_QUEUE_URL'));
    const out = assertRan('sync-worker', await w.run('sync-worker', event));
    expect(out).toEqual({ batchItemFailures: [] });
    const paths = w.sim.calls.map((c) => c.path);
    expect(paths).toEqual(expect.arrayContaining(['/portal/invoice/input/list']));
    expect(w.ledger.of('sync-worker', 'secretsmanager', 'GetSecretValue')).not.toHaveLength(0);
    // Every cloud call took its tokens from the shared buckets (RateLimits table), as granted.
    const takes = w.ledger
      .of('sync-worker', 'dynamodb', 'UpdateItem')
      .filter((c) => /RateLimits/.test(String((c.body as { TableName?: string }).TableName)));
    expect(takes.length).toBeGreaterThan(0);
    expect(takes.flatMap((c) => c.denied)).toEqual([]);
  });

  it('sync-api: GET /sync/runs/{runId} shows the run succeeded; POST /sync queues hz', async () => {
    const runId = JSON.parse(sent('manual-sync', 'SYNC_QUEUE_URL')[0]?.body ?? '{}').runId;
    const get = reroute(sample('api-sync-api'), 'GET /sync/runs/{runId}', `/sync/runs/${runId}`);
    const run = await api('sync-api', { ...get, pathParameters: { runId } });
    expect(run).toMatchObject({ status: 200, body: { runId, status: 'succeeded' } });
    expect(run.body.fetched).toBeGreaterThan(0);
    const res = await api('sync-api', sample('api-sync-api'));
    expect(res).toMatchObject({ status: 202, body: { runs: [{ orgId: ORG, status: 'queued' }] } });
    expect(sent('sync-api', 'SYNC_QUEUE_URL')).toHaveLength(1);
  });

  it('invoices-api: GET /invoices lists the synced invoices of hz (200)', async () => {
    const res = await api('invoices-api', sample('api-invoices-api'));
    expect(res.status).toBe(200);
    expect(JSON.stringify(res.body)).toMatch(/"serialNo":"IN/);
  });

  it('interaction-api: POST /interaction-logs/push of an unknown log: 200, NOT_FOUND', async () => {
    const res = await api('interaction-api', sample('api-interaction-api'));
    expect(res).toMatchObject({ status: 200, body: { results: [{ ok: false }] } });
    expect(res.body.results[0].error.code).toBe('NOT_FOUND');
  });

  it('bills-api: POST /bills/events queues the event on the FIFO queue by bill (202)', async () => {
    const event = sample('api-bills-api');
    const body = JSON.parse(event.body);
    const synced = w.sim
      .org(TAX_NO)
      .ledgers.input.filter((i) => i.updateTime.startsWith(DATA_DATE))
      .map((i) => i.serialNo);
    if (!synced.includes(body.serialNos[0])) body.serialNos = synced.slice(0, 1);
    const res = await api('bills-api', { ...event, body: JSON.stringify(body) });
    expect(res).toMatchObject({ status: 202 });
    const msgs = sent('bills-api', 'WRITEBACK_QUEUE_URL');
    expect(w.queueOf('bills-api', 'WRITEBACK_QUEUE_URL').name).toMatch(/\.fifo$/);
    expect(msgs).toEqual([
      expect.objectContaining({
        groupId: `${body.orgId}#${body.billId}`,
        dedupId: res.body.eventId,
      }),
    ]);
  });

  it('bill-writeback: writes the bill back to the invoice cloud', async () => {
    const q = w.queueOf('bills-api', 'WRITEBACK_QUEUE_URL');
    const event = sqsEvent('bill-writeback', q.arn, sent('bills-api', 'WRITEBACK_QUEUE_URL'));
    const out = assertRan('bill-writeback', await w.run('bill-writeback', event));
    expect(out).toEqual({ batchItemFailures: [] });
    expect(w.sim.calls.map((c) => c.path)).toContain(CLOUD_PATHS.billSave);
  });

  it('callback-sender: a message for an unknown log is dropped, not failed', async () => {
    const out = assertRan(
      'callback-sender',
      await w.run('callback-sender', sample('callback-sender')),
    );
    expect(out).toEqual({ batchItemFailures: [] });
  });

  it('daily-sync: queues the daily runs of the eligible orgs', async () => {
    const out = assertRan('daily-sync', await w.run('daily-sync', sample('daily-sync')));
    expect(out.created.length).toBeGreaterThan(0);
    expect(sent('daily-sync', 'SYNC_QUEUE_URL')).toHaveLength(out.created.length);
  });

  const opsApiShape =
    'ops-api: counts every DLQ and starts a write-back redrive (StartMessageMoveTask)';
  it(opsApiShape, async () => {
    const list = await api('ops-api', sample('api-ops-api'));
    expect(list).toEqual({
      status: 200,
      body: {
        items: ['sync', 'writeback', 'callbacks'].map((queue) => ({ queue, messages: 0 })),
      },
    });
    const path = '/dead-letters/writeback/redrive';
    const post = reroute(
      sample('api-ops-api'),
      'POST /dead-letters/{queue}/redrive',
      path,
      undefined,
      {
        queue: 'writeback',
      },
    );
    const res = await api('ops-api', post);
    expect(res).toEqual({
      status: 202,
      body: { queue: 'writeback', taskHandle: expect.any(String) },
    });
    const env = w.fn('ops-api').env;
    const move = w.ledger.of('ops-api', 'sqs', 'StartMessageMoveTask');
    expect(move.map((c) => [c.body, c.denied])).toEqual([
      [{ SourceArn: env.WRITEBACK_DLQ_ARN, DestinationArn: env.WRITEBACK_QUEUE_ARN }, []],
    ]);
    expect(w.ledger.of('ops-api', 'sqs', 'GetQueueAttributes').length).toBeGreaterThan(0);
  });

  it('sync-retry: completes its sweep, queueing what it retries or resumes', async () => {
    const out = assertRan('sync-retry', await w.run('sync-retry', sample('sync-retry')));
    expect(out).toMatchObject({ retried: expect.any(Array), resumed: expect.any(Array) });
    const queued = out.retried.length + out.resumed.length;
    expect(sent('sync-retry', 'SYNC_QUEUE_URL')).toHaveLength(queued);
  });

  const orderFetchShape =
    'order-fetch: the pull route and the schedule lease, sign and check a feed of a system of hz ' +
    '(its host no longer resolves: recorded, nothing sent)';
  it(orderFetchShape, async () => {
    // A system registered with a public address; its feed's host stops resolving afterwards.
    const base = sample('api-config-api');
    const system = { orgId: ORG, name: 'shop', callbackUrl: 'https://1.1.1.1/hooks' };
    const params = { systemId: 'shop-hz' };
    const put = reroute(base, 'PUT /systems/{systemId}', '/systems/shop-hz', system, params);
    expect(await api('config-api', put)).toMatchObject({ status: 201 });
    // As the functions see DynamoDB Local (its tables are per access key and region).
    const endpoint = process.env.DYNAMO_ENDPOINT!;
    const raw = new DynamoDBClient({ endpoint, region: REGION, credentials: CREDENTIALS });
    await DynamoDBDocumentClient.from(raw).send(
      new UpdateCommand({
        TableName: w.fn('config-api').env.CONFIG_TABLE,
        Key: { pk: 'SYSTEM#shop-hz', sk: 'SYSTEM' },
        UpdateExpression: 'SET orderFetchUrl = :u',
        ExpressionAttributeValues: { ':u': 'https://orders.invalid/feed' },
      }),
    );
    raw.destroy();
    const unresolved = /orderFetchUrl host orders\.invalid does not resolve/;
    const pull = reroute(
      sample('api-interaction-api'),
      'POST /systems/{systemId}/fetch-orders',
      '/systems/shop-hz/fetch-orders',
      undefined,
      params,
    );
    const res = await api('interaction-api', pull);
    expect(res).toMatchObject({ status: 200, body: { systemId: 'shop-hz', logged: 0 } });
    expect(res.body.error).toMatch(unresolved);
    const out = assertRan('order-fetch', await w.run('order-fetch', sample('order-fetch')));
    expect(out).toMatchObject({ systems: 1, logged: 0, skipped: [] });
    expect(out.failed).toEqual([{ systemId: 'shop-hz', error: expect.stringMatching(unresolved) }]);
    const signing = `${w.fn('order-fetch').env.SECRETS_PREFIX}system/shop-hz/signing-secret`;
    expect(secretCalls('order-fetch')).toEqual([`GetSecretValue ${signing}`]);
    const ops = w.ledger.of('order-fetch', 'dynamodb').map((c) => c.op);
    expect(ops).toEqual(expect.arrayContaining(['Query', 'UpdateItem', 'GetItem']));
  });

  it('every function reached AWS (DynamoDB, SQS or Secrets Manager)', () => {
    const called = new Set(w.ledger.calls.map((c) => c.fn));
    expect(FUNCTIONS.filter((f) => !called.has(f))).toEqual([]);
  });

  it('every call was within the calling function’s grants (none denied)', () => {
    expect(w.ledger.denied()).toEqual([]);
  });
});
