/**
 * Local mode keeps its data (issue 17): a stack on a data directory is killed mid-flight (a full
 * sync between pages, a callback waiting 8 s for its second attempt), DynamoDB Local is stopped,
 * and a new stack on the same directory resumes with `resumeInFlight`: the run ends in exactly the
 * clean run's pool and counts, and the callback is delivered once.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { defaultDataDir, startDynamoLocal } from '#local/dynamo-local.js';
import { resumeInFlight } from '#local/resume.js';
import { buildLocalStack, type LocalStack } from '#local/stack.js';
import { startSimulator, type Simulator } from '#simulator/invoice-cloud.js';
import { startReceiver, type Receiver } from '#simulator/receiver.js';
import { ORGS } from '../support/harness.js';
import { scanItems } from '../support/aws/scenario.js';
import { until } from '../support/wait.js';

const COUNT = 600;
const org = { ...ORGS[0]!, input: COUNT, output: 0 };
class Crash extends Error {}

const scan = (endpoint: string, table: string) =>
  scanItems(endpoint, table, (k) => k === 'updatedAt');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('local mode keeps its data', () => {
  let sim: Simulator;
  let rcv: Receiver;
  let dir: string;
  beforeAll(async () => {
    sim = await startSimulator({ orgs: [org], endDate: '2024-07-22', days: 10 });
    rcv = await startReceiver();
    dir = mkdtempSync(join(tmpdir(), 'icb-data-'));
  });
  afterAll(async () => {
    await sim.stop();
    await rcv.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  type Wrap = (db: DynamoDBDocumentClient) => DynamoDBDocumentClient;
  const stackOn = (endpoint: string, prefix: string, wrapDb?: Wrap) =>
    buildLocalStack({
      dynamoEndpoint: endpoint,
      cloudUrl: sim.url,
      tablePrefix: prefix,
      secretsFile: join(dir, 'secrets.json'),
      pageSize: 100,
      callbackRetryDelays: [8, 8, 8, 8, 8, 8],
      callbackTimeoutMs: 2000,
      retry: { baseDelayMs: 5, maxDelayMs: 50, budgetMs: 5000, timeoutMs: 2000 },
      ...(wrapDb ? { wrapDb } : {}),
    });
  const call = async (s: LocalStack, method: string, path: string, body?: unknown) => {
    const op = s.token({ sub: 'op', roles: ['operator', 'expense', 'cloud'], orgId: 'hz' });
    const r = await s.http(
      method,
      path,
      { authorization: `Bearer ${op}`, 'content-type': 'application/json' },
      body === undefined ? '' : JSON.stringify(body),
    );
    return { status: r.status, body: r.body ? JSON.parse(r.body) : null };
  };
  const putOrg = (s: LocalStack) =>
    call(s, 'PUT', '/orgs/hz', {
      orgName: org.orgName,
      taxNo: org.taxNo,
      clientId: org.clientId,
      clientSecret: org.clientSecret,
    });
  const fullSync = async (s: LocalStack) => {
    const res = await call(s, 'POST', '/sync', { type: 'input', orgIds: ['hz'] });
    expect(res.status).toBe(202);
    return res.body.runs[0].runId as string;
  };
  const run = async (s: LocalStack, runId: string) =>
    (await call(s, 'GET', `/sync/runs/${runId}`)).body;

  it('defaults to the user data dir', () => {
    expect(defaultDataDir({ XDG_DATA_HOME: '/x/data' })).toBe('/x/data/invoice-cloud-bridge');
    expect(defaultDataDir({ HOME: '/home/u' })).toMatch(/\.local\/share\/invoice-cloud-bridge$/);
  });

  const restart = 'a restart mid-sync and mid-callback resumes to the clean state, delivering once';
  it(
    restart,
    async () => {
      // The clean run, on the suite's DynamoDB Local.
      const cleanEndpoint = process.env.DYNAMO_ENDPOINT!;
      const clean = await stackOn(cleanEndpoint, `clean${Date.now()}`);
      await putOrg(clean);
      const cleanRunId = await fullSync(clean);
      await until(
        'the clean run',
        async () => (await run(clean, cleanRunId)).status === 'succeeded',
      );
      const expectedRun = await run(clean, cleanRunId);
      const expected = await scan(cleanEndpoint, clean.tables.invoices);
      expect(expected.size).toBeGreaterThanOrEqual(COUNT);
      clean.close();

      // First life: a callback fails once, a full sync starts, the process dies between pages.
      const first = await startDynamoLocal({ dataDir: dir });
      let dead = false;
      let left = Infinity;
      const wrapDb = (db: DynamoDBDocumentClient) =>
        ({
          send: async (cmd: any) => {
            // Slow page writes, so the run is surely between pages when the process dies.
            if (cmd.constructor.name === 'BatchWriteCommand') await sleep(150);
            if (dead || --left < 0) {
              dead = true;
              throw new Crash('process gone');
            }
            return db.send(cmd);
          },
        }) as unknown as DynamoDBDocumentClient;
      const a = await stackOn(first.endpoint, 'persist', wrapDb);
      expect((await putOrg(a)).status).toBe(201);
      const sys = await call(a, 'PUT', '/systems/erp', {
        orgId: 'hz',
        name: 'ERP',
        callbackUrl: `${rcv.url}/hooks`,
      });
      expect(sys.status).toBe(201);
      expect(
        (await call(a, 'POST', '/billing/orders', { systemId: 'erp', orderNo: 'O-1' })).status,
      ).toBe(202);
      rcv.failNext(500);
      const result = {
        orderNo: 'O-1',
        resultType: 'BLUE',
        invoiceNo: '12345678',
        serialNo: 'S-O-1',
        time: '2024-07-22 10:00:00',
      };
      expect((await call(a, 'POST', '/billing/results', result)).status).toBe(200);
      await until('the failed first attempt', () => rcv.received.length === 1);
      const runId = await fullSync(a);
      await until('a page written', async () => ((await run(a, runId)).pages ?? 0) >= 1);
      left = 3; // die a few DynamoDB calls later: inside the next page
      await until('the process dying', () => dead);
      expect((await scan(first.endpoint, a.tables.invoices)).size).toBeLessThan(expected.size);
      await first.stop();
      a.close();

      // Second life on the same directory.
      const second = await startDynamoLocal({ dataDir: dir });
      try {
        const b = await stackOn(second.endpoint, 'persist');
        // The public documents answer in local mode too, with no token.
        const doc = await b.http('GET', '/openapi.json', {}, '');
        expect({ status: doc.status, openapi: JSON.parse(doc.body).openapi }).toEqual({
          status: 200,
          openapi: '3.1.0',
        });
        expect((await b.http('GET', '/docs', {}, '')).headers['content-type']).toMatch(
          /text\/html/,
        );
        expect((await run(b, runId)).status).toBe('running');
        expect(await resumeInFlight(b)).toEqual({ runs: 1, callbacks: 1 });
        await until('the resumed run', async () => (await run(b, runId)).status === 'succeeded');
        await until('the callback', () => rcv.received.some((x) => x.status === 200));
        await b.settle();
        await sleep(1000);

        const got = await scan(second.endpoint, b.tables.invoices);
        const lost = [...expected.keys()].filter((k) => !got.has(k)).length;
        const extra = [...got.keys()].filter((k) => !expected.has(k)).length;
        const differing = [...expected.keys()].filter(
          (k) => got.has(k) && got.get(k) !== expected.get(k),
        ).length;
        expect({ lost, extra, differing }).toEqual({ lost: 0, extra: 0, differing: 0 });
        const resumed = await run(b, runId);
        expect(resumed).toMatchObject({
          status: 'succeeded',
          successCount: expectedRun.successCount,
          failed: expectedRun.failed,
        });
        expect(rcv.received.map((x) => x.status)).toEqual([500, 200]);
        const logs = await call(b, 'GET', '/interaction-logs?orderNo=O-1');
        const cb = logs.body.items.find((l: any) => l.operationType === 'BLUE_RESULT_CALLBACK');
        expect(cb).toMatchObject({ dataStatus: 'SUCCEEDED' });
        expect(cb.attempts.map((x: any) => x.status)).toEqual([500, 200]);
        b.close();
      } finally {
        await second.stop();
      }
    },
    180_000,
  );
});
