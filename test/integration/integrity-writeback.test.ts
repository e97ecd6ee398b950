/**
 * Data-integrity review, write-back findings (issue 12): 5 (an invoice listed twice), 9 (events
 * after a delete), 10 (invoices not pooled yet), the non-atomic `saveState`, a status refused after
 * a successful save, and the same SQS message delivered twice, in turn and at the same time.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { SQSRecord } from 'aws-lambda';
import { startHarness, ORGS, type Harness } from '../support/harness.js';
import {
  billEvent as event,
  billLogs as logs,
  postBillEvent as post,
  serials,
  startWritebackHarness,
  STEP_OF,
  writebackRecord,
} from '../support/writeback.js';
import { lambdaContext } from '#local/lambda.js';
import { CloudError } from '#shared/adapters/cloud/client.js';
import { batchGetAll, createDocClient } from '#shared/adapters/dynamo/dynamo.js';
import { invoiceKey } from '#shared/adapters/dynamo/keys.js';
import { localClientConfig } from '#local/dynamo-local.js';
import { applyBillEvent } from '#shared/use-cases/writeback/apply.js';

const HZ = ORGS[0]!;
const billCalls = (h: Harness, billId = 'B-1') =>
  h.sim.calls.filter((c) => STEP_OF[c.path] && (c.body as { bxd_key?: string }).bxd_key === billId);
const effective = (h: Harness, billId = 'B-1') =>
  billCalls(h, billId)
    .filter((c) => c.code === '0000')
    .map((c) => STEP_OF[c.path]);
const simBill = (h: Harness, billId = 'B-1') => h.sim.bill(HZ.taxNo, billId);
const steps = (l: any[]) => l.map((x) => [x.step, x.outcome]);
const message = (eventId: string, e: object) => ({
  eventId,
  receivedAt: new Date().toISOString(),
  loginOrgId: 'hz',
  event: e,
});
const deliver = (h: Harness, r: SQSRecord) =>
  h.stack.handlers['bill-writeback']({ Records: [r] }, lambdaContext('bill-writeback'));

const start = (stack: Parameters<typeof startHarness>[0] = {}) =>
  startWritebackHarness({ orgs: [HZ], ...stack });

describe('write-back integrity (review issue 12)', () => {
  let h: Harness;
  afterEach(() => h.stop());

  it('5: an invoice listed twice is written once, not a poison message', async () => {
    // Arrange
    h = await start();
    const [a, b] = serials(h) as [string, string];
    // Act
    await post(h, event(h, { serialNos: [a, b, a] }));
    await h.stack.settle();
    // Assert
    expect(simBill(h)?.serialNos).toEqual([a, b]);
    expect(h.stack.queues.writeback.dead).toEqual([]);
    expect(steps(await logs(h))).toEqual([
      ['save', 'succeeded'],
      ['status', 'succeeded'],
    ]);
  });

  it('5: the store batch-get de-duplicates its keys (DynamoDB refuses duplicates)', async () => {
    // Arrange
    h = await start();
    const [a] = serials(h) as [string];
    const db = createDocClient(localClientConfig(process.env.DYNAMO_ENDPOINT!));
    const key = { pk: invoiceKey.pk('hz', 'input', a), sk: invoiceKey.cloud };
    // Act
    const items = await batchGetAll(db, h.stack.tables.invoices, [key, key]);
    // Assert
    expect(items.map((i) => i.serialNo)).toEqual([a]);
    db.destroy();
  });

  it('9: unbind (and save) after delete are skipped, never re-create the bill', async () => {
    h = await start();
    const [a, b] = serials(h) as [string, string];
    await post(h, event(h, { serialNos: [a, b] }));
    await post(h, event(h, { type: 'deleted', billStatus: 'discarded', serialNos: [] }));
    await h.stack.settle();
    expect(simBill(h)).toBeUndefined();
    // Act
    await post(h, event(h, { type: 'invoiceUnbound', serialNos: [b] }));
    await post(h, event(h, { serialNos: [a] }));
    await h.stack.settle();
    // Assert
    expect(simBill(h)).toBeUndefined();
    expect(effective(h)).toEqual(['save', 'status', 'status', 'delete']);
    const late = (await logs(h)).slice(-2);
    expect(late.map((l) => [l.step, l.outcome, l.response.message])).toEqual([
      ['event', 'skipped', expect.stringMatching(/bill B-1 was deleted/)],
      ['event', 'skipped', expect.stringMatching(/bill B-1 was deleted/)],
    ]);
    expect((await h.stack.deps.stores.bills.state({ orgId: 'hz', billId: 'B-1' }))?.deleted).toBe(
      true,
    );
  });

  it('10: a saved event sends invoices the pool has not synced yet, and says so', async () => {
    h = await start();
    const [a] = serials(h) as [string];
    const fresh = { ...h.sim.org(HZ.taxNo).ledgers.input[0]!, serialNo: 'FRESH-IN-CLOUD-1' };
    h.sim.add(HZ.taxNo, 'input', [fresh]);
    // Act
    await post(h, event(h, { serialNos: [a, fresh.serialNo] }));
    await h.stack.settle();
    // Assert
    expect(simBill(h)?.serialNos).toEqual([a, fresh.serialNo]);
    const l = await logs(h);
    expect(steps(l)).toEqual([
      ['save', 'succeeded'],
      ['status', 'succeeded'],
    ]);
    expect(JSON.stringify(l)).not.toMatch(/without a cloud serial number/);
    expect(l[0].note).toMatch(/not in the invoice pool yet.*FRESH-IN-CLOUD-1/);
  });

  it('10: an invoice the cloud does not know fails the event with the cloud refusal', async () => {
    h = await start();
    const [a] = serials(h) as [string];
    await post(h, event(h, { serialNos: [a, 'NOT-IN-CLOUD-1'] }));
    await h.stack.settle();
    expect(simBill(h)).toBeUndefined();
    const l = await logs(h);
    expect(l.map((x) => [x.step, x.outcome, x.response.code ?? null])).toEqual([
      ['save', 'failed', '1404'],
      ['event', 'failed', null],
    ]);
    expect(l[1].response.message).toMatch(/refused.*1404.*NOT-IN-CLOUD-1/);
  });

  it('10: a saved event with no serial number left never sends an empty save', async () => {
    h = await start();
    const m = message('evt-empty', event(h, { serialNos: [null, ''] })) as never;
    // Act: straight to the use case (the API's schema refuses this body before it is queued)
    const outcome = await applyBillEvent(m, 1, h.stack.deps);
    // Assert
    expect(outcome).toBe('failed');
    expect(billCalls(h)).toEqual([]);
    expect((await logs(h)).at(-1).response.message).toMatch(
      /no invoice with a cloud serial number.*nothing was sent/,
    );
  });

  it('saveState: a crash while recording the bill leaves no stale "used by" entry', async () => {
    let armed = false;
    const touchesUse = (cmd: any) => JSON.stringify(cmd.input ?? {}).includes('"USE#');
    const wrapDb = (db: DynamoDBDocumentClient) =>
      ({
        send: (cmd: any) => {
          const name = cmd.constructor.name as string;
          if (armed && !/Get|Query/.test(name) && touchesUse(cmd)) {
            armed = false;
            return Promise.reject(new Error('injected crash while recording the bill'));
          }
          return db.send(cmd);
        },
      }) as unknown as DynamoDBDocumentClient;
    h = await start({ stack: { wrapDb } });
    const [a, b, c] = serials(h) as [string, string, string];
    await post(h, event(h, { serialNos: [a, b] }));
    await h.stack.settle();
    // Act: the change drops b; its first delivery crashes recording the bill; SQS redelivers it
    armed = true;
    await post(h, event(h, { serialNos: [a, c] }));
    await h.stack.settle();
    await post(h, event(h, { billId: 'B-2', billNo: 'BX2', serialNos: [b] }));
    await h.stack.settle();
    // Assert
    expect(armed).toBe(false);
    expect(await h.stack.deps.stores.bills.otherBillsUsing('hz', b, 'B-2')).toEqual([]);
    const save2 = billCalls(h, 'B-2').find((x) => x.path.endsWith('/save'));
    expect((save2?.body as { forceWrite: boolean }).forceWrite).toBe(false);
    expect(effective(h)).toEqual(['save', 'status', 'status', 'save', 'status']);
  });

  const crashBeforeMarker =
    'a crash between a cloud call and its step marker repeats that call once, same outcome';
  it(crashBeforeMarker, async () => {
    let armed = true;
    const wrapDb = (db: DynamoDBDocumentClient) =>
      ({
        send: (cmd: any) => {
          if (armed && cmd.input?.Item?.sk === 'STEP#save') {
            armed = false;
            return Promise.reject(new Error('injected crash before the step marker'));
          }
          return db.send(cmd);
        },
      }) as unknown as DynamoDBDocumentClient;
    h = await start({ stack: { wrapDb } });
    const e = event(h);
    // Act
    await post(h, e);
    await h.stack.settle();
    // Assert: the save went out twice (idempotent: the same bill), everything else once
    expect(armed).toBe(false);
    expect(effective(h)).toEqual(['save', 'save', 'status']);
    expect(simBill(h)).toMatchObject({ serialNos: e.serialNos });
    expect(Object.values(simBill(h)!.expenseStatus)).toEqual(e.serialNos.map(() => '30'));
    expect((await logs(h)).map((l) => [l.step, l.outcome, l.attempt])).toEqual([
      ['save', 'succeeded', 2],
      ['status', 'succeeded', 2],
    ]);
  });

  it('a status refused after a save still records the bill: a later unbind works', async () => {
    h = await start();
    const [a, b] = serials(h) as [string, string];
    const cloud = h.stack.deps.cloud;
    const real = cloud.billStatus.bind(cloud);
    cloud.billStatus = () =>
      Promise.reject(new CloudError('1301', 'a serial is not on this bill', false));
    await post(h, event(h, { serialNos: [a, b] }));
    await h.stack.settle();
    cloud.billStatus = real;
    // Act
    await post(h, event(h, { type: 'invoiceUnbound', serialNos: [b] }));
    await h.stack.settle();
    // Assert
    const l = await logs(h);
    expect(l.map((x) => [x.step, x.outcome])).toEqual([
      ['save', 'succeeded'],
      ['status', 'failed'],
      ['event', 'failed'],
      ['release', 'succeeded'],
      ['save', 'succeeded'],
    ]);
    expect(l[2].response.message).toMatch(/saved in the invoice cloud.*status.*refused.*1301/);
    expect(simBill(h)?.serialNos).toEqual([a]);
  });

  it('one SQS message delivered twice, in turn and at once: one call per step', async () => {
    h = await start();
    const m = message('evt-twice', event(h));
    const m2 = message('evt-twice-2', event(h, { billStatus: 'approved' }));
    // Act: two copies at once, then a third copy after both (SQS redelivering the loser)
    const both = await Promise.all([
      deliver(h, writebackRecord(m)),
      deliver(h, writebackRecord(m)),
    ]);
    await deliver(h, writebackRecord(m, 2));
    await Promise.all([deliver(h, writebackRecord(m2)), deliver(h, writebackRecord(m2))]);
    await deliver(h, writebackRecord(m2, 2));
    // Assert
    expect(both).toHaveLength(2);
    expect(effective(h)).toEqual(['save', 'status', 'save', 'status']);
    const l = await logs(h);
    for (const id of [m.eventId, m2.eventId]) {
      const mine = l.filter((x) => x.eventId === id);
      expect(mine.filter((x) => x.outcome !== 'skipped').map((x) => [x.step, x.outcome])).toEqual([
        ['save', 'succeeded'],
        ['status', 'succeeded'],
      ]);
      expect(mine.filter((x) => x.outcome === 'skipped').length).toBeGreaterThan(0);
      expect(
        mine
          .filter((x) => x.outcome === 'skipped')
          .every((x) => /duplicate delivery/.test(x.response.message)),
      ).toBe(true);
    }
    expect(new Set(Object.values(simBill(h)!.expenseStatus))).toEqual(new Set(['30']));
  });
});
