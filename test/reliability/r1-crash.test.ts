/**
 * R1 crash anywhere: a full sync killed at random DynamoDB calls (between pages, mid-batch, between
 * a write and its checkpoint), resumed each time, ends byte-for-byte (timestamps aside) in the
 * clean run's pool.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { buildLocalStack, type LocalStack } from '#local/stack.js';
import { startSimulator, type Simulator } from '#simulator/invoice-cloud.js';
import { runSyncStep } from '#shared/use-cases/sync/engine.js';
import { newRun } from '#shared/use-cases/sync/start.js';
import { FULL, figure, seeded } from '../support/figures.js';
import { ORGS } from '../support/harness.js';
import { scanItems } from '../support/aws/scenario.js';

const COUNT = FULL ? 50_000 : 3_000;
const PAGE = FULL ? 500 : 100;
const CRASHES = 20;
const endpoint = process.env.DYNAMO_ENDPOINT!;
const org = ORGS[0]!;

class Crash extends Error {}

const scanPool = (table: string) => scanItems(endpoint, table, (k) => k === 'updatedAt');

describe(`R1 crash anywhere (${COUNT} invoices, ${CRASHES} crashes)`, () => {
  let sim: Simulator;
  beforeAll(async () => {
    sim = await startSimulator({
      orgs: [{ ...org, input: COUNT, output: 0 }],
      endDate: '2024-07-22',
      days: 30,
    });
  });
  afterAll(() => sim.stop());

  const prepare = async (stack: LocalStack) => {
    await stack.secrets.put('org/hz/client-secret', org.clientSecret);
    const o = {
      orgId: 'hz',
      orgName: org.orgName,
      taxNo: org.taxNo,
      clientId: org.clientId,
      syncEnabled: true,
      hasClientSecret: true,
      pushEnabled: false,
      hasLinkKey: false,
      updatedAt: '',
    };
    await stack.deps.stores.config.putOrg(o);
    const run = newRun({
      runId: 'r1-run',
      org: o,
      type: 'input',
      dataDate: null,
      trigger: 'manual',
      at: new Date().toISOString(),
    });
    await stack.deps.stores.runs.create(run);
    return run.runId;
  };

  it('resumes to exactly the clean run: 0 lost, 0 duplicated, success count right', async () => {
    const clean = await buildLocalStack({
      dynamoEndpoint: endpoint,
      cloudUrl: sim.url,
      tablePrefix: `r1clean${Date.now()}`,
    });
    const cleanRun = await prepare(clean);
    expect(
      await runSyncStep(cleanRun, clean.deps, {
        owner: 'clean',
        remainingMs: () => 3_600_000,
        reserveMs: 0,
        pageSize: PAGE,
      }),
    ).toBe('done');
    const expected = await scanPool(clean.tables.invoices);

    const rnd = seeded(1);
    let calls = 0;
    let crashAt = Infinity;
    const interrupted: string[] = [];
    const wrapDb = (db: DynamoDBDocumentClient) =>
      ({
        send: (cmd: any) => {
          if (++calls >= crashAt) {
            if (calls === crashAt) interrupted.push(cmd.constructor.name as string);
            return Promise.reject(new Crash('killed'));
          }
          return db.send(cmd);
        },
      }) as unknown as DynamoDBDocumentClient;
    const crashy = await buildLocalStack({
      dynamoEndpoint: endpoint,
      cloudUrl: sim.url,
      tablePrefix: `r1crash${Date.now()}`,
      wrapDb,
    });
    const runId = await prepare(crashy);
    const base = Date.now();
    const perPage = PAGE / 25 + 1; // batch writes + the checkpoint
    let crashes = 0;
    for (let attempt = 0; ; attempt++) {
      calls = 0;
      crashAt = crashes < CRASHES ? 1 + Math.floor(rnd() * (4 + perPage * 1.5)) : Infinity;
      // Each resume comes after the dead worker's lease has expired.
      const deps = { ...crashy.deps, clock: () => new Date(base + attempt * 20 * 60_000) };
      try {
        const res = await runSyncStep(runId, deps, {
          owner: `worker-${attempt}`,
          remainingMs: () => 3_600_000,
          reserveMs: 0,
          pageSize: PAGE,
        });
        if (res === 'done') break;
      } catch (e) {
        if (!(e instanceof Crash)) throw e;
        crashes++;
      }
    }
    crashAt = Infinity;
    const run = await crashy.deps.stores.runs.get(runId);
    const got = await scanPool(crashy.tables.invoices);
    const lost = [...expected.keys()].filter((k) => !got.has(k)).length;
    const extra = [...got.keys()].filter((k) => !expected.has(k)).length;
    const differing = [...expected.keys()].filter(
      (k) => got.has(k) && got.get(k) !== expected.get(k),
    ).length;
    const at = interrupted.reduce<Record<string, number>>(
      (m, c) => ({ ...m, [c]: (m[c] ?? 0) + 1 }),
      {},
    );
    const input = `${COUNT} invoices, ${crashes} crashes (interrupting ${JSON.stringify(at)})`;
    const pool = `${lost} lost, ${extra} extra, ${differing} differing items`;
    const counts = `successCount ${run?.successCount}/${COUNT}; ${run?.invocations} invocations`;
    figure(`R1: ${input} → ${pool}; ${counts}`);
    expect(crashes).toBe(CRASHES);
    expect({ lost, extra, differing }).toEqual({ lost: 0, extra: 0, differing: 0 });
    expect(run).toMatchObject({ status: 'succeeded', successCount: COUNT });
    clean.close();
    crashy.close();
  });
});
