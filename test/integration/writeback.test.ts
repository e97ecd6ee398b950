import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { ORGS, type Harness } from '../support/harness.js';
import {
  billEvent as event,
  billLogs as logs,
  postBillEvent as post,
  startWritebackHarness,
  STEP_OF,
} from '../support/writeback.js';
import { makeHandler as billsApi } from '#functions/bills-api/app.js';
import { sqsQueue } from '#shared/adapters/aws/sqs-queue.js';
import { lambdaContext } from '#local/lambda.js';
import type { Deps } from '#shared/deps.js';
import { billKey } from '#simulator/invoice-cloud.js';

const [HZ, SH] = ORGS as [(typeof ORGS)[0], (typeof ORGS)[0]];
const billCalls = (h: Harness) => h.sim.calls.filter((c) => STEP_OF[c.path]);
const stepOf = (c: { path: string }) => STEP_OF[c.path];
const bill = (h: Harness, billId = 'B-1') => h.sim.bill(HZ.taxNo, billId);

describe('bill write-back through the FIFO queue, on DynamoDB Local + the simulator', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startWritebackHarness();
  });
  afterEach(() => h.stop());

  it('switch off: the event is recorded as skipped and nothing is called', async () => {
    await h.api('PUT', '/config', { writeback: false });
    await post(h, event(h));
    await h.stack.settle();
    expect(billCalls(h)).toEqual([]);
    expect((await logs(h)).map((l) => [l.step, l.outcome])).toEqual([['event', 'skipped']]);
  });

  const savedThenStatus =
    'saved → save bill then update status, required fields present and every optional one null';
  it(savedThenStatus, async () => {
    const e = event(h);
    const eventId = await post(h, e);
    await h.stack.settle();
    const calls = billCalls(h);
    expect(calls.map((c) => c.path)).toEqual([
      '/m4/fpzs/expense/entry/save',
      '/m4/fpzs/expense/invoice/status/update',
    ]);
    const signedBy = {
      client_id: HZ.clientId,
      timestamp: expect.stringMatching(/^\d{13}$/),
      sign: expect.stringMatching(/^[0-9a-f]{32}$/),
      tin: HZ.taxNo,
    };
    const who = { eid: e.userId, billnumber: e.billNo, bxd_key: e.billId };
    expect(calls[0]!.body).toEqual({
      ...signedBy,
      ...who,
      billTypeId: '',
      billType: '',
      userKey: '',
      resource: 'EXPENSE',
      forceWrite: false,
      data: [{ entryid: '', fid: e.serialNos }],
      remark: null,
      expensePersonId: null,
      expensePersonName: null,
      realExpenseAmount: null,
    });
    // billStatus submitted → invoices in use (30).
    expect(calls[1]!.body).toEqual({
      ...signedBy,
      ...who,
      billTypeId: '',
      userKey: '',
      ticketParam: null,
      expenseStatus: '30',
      invoiceData: e.serialNos.map((serialNo) => ({
        serialNo,
        canBeDeduction: null,
        entryAmount: null,
        outputReason: null,
        outputAmount: null,
      })),
    });
    expect(bill(h)).toMatchObject({
      serialNos: e.serialNos,
      expenseStatus: Object.fromEntries(e.serialNos.map((s) => [s, '30'])),
    });
    const l = await logs(h);
    expect(l.map((x) => [x.step, x.outcome, x.operationType, x.eventId])).toEqual([
      ['save', 'succeeded', 'SYNC_BILL_TO_CLOUD', eventId],
      ['status', 'succeeded', 'SYNC_BILL_TO_CLOUD', eventId],
    ]);
    expect(l[0].request.data[0].fid).toHaveLength(3);
    expect(l[0].request).not.toHaveProperty('sign');
    expect(l[0].response.code).toBe('0000');
  });

  const onlyWithSerial =
    'only invoices with a cloud serial number are sent; the rest are skipped and logged';
  it(onlyWithSerial, async () => {
    const e = event(h, { serialNos: [event(h).serialNos[0], null, ''] });
    await post(h, e);
    await h.stack.settle();
    expect((billCalls(h)[0]!.body as any).data).toEqual([{ entryid: '', fid: [e.serialNos[0]] }]);
    const skipped = (await logs(h)).find((l) => l.outcome === 'skipped');
    expect(skipped.response.message).toMatch(/skipped 2 invoice\(s\).*\(none\), \(none\)/);
  });

  it('an invoice on more than one bill is saved with forceWrite', async () => {
    const [a, b, c] = event(h).serialNos as [string, string, string];
    await post(h, event(h, { billId: 'B-1', serialNos: [a, b] }));
    await h.stack.settle(); // B-1 is on record before B-2 arrives (parallel bills may meet 1409)
    await post(h, event(h, { billId: 'B-2', billNo: 'BX2', serialNos: [b, c] }));
    await h.stack.settle();
    const saves = billCalls(h).filter((x) => x.path.endsWith('/save'));
    expect(saves.map((x) => (x.body as any).forceWrite)).toEqual([false, true]);
    expect(saves.map((x) => x.code)).toEqual(['0000', '0000']);
  });

  const forceWrite1409 =
    'an invoice the cloud has on a bill we never saw (1409) is saved again with forceWrite';
  it(forceWrite1409, async () => {
    const [a] = event(h).serialNos as [string];
    h.sim.bills.set(billKey(HZ.taxNo, 'ELSEWHERE'), {
      tin: HZ.taxNo,
      billNo: 'BX-OTHER',
      billId: 'ELSEWHERE',
      userId: 'x',
      dataSource: 'OTHER',
      serialNos: [a],
      expenseStatus: { [a]: '30' },
    });
    await post(h, event(h, { serialNos: [a] }));
    await h.stack.settle();
    const saves = billCalls(h).filter((x) => x.path.endsWith('/save'));
    expect(saves.map((x) => [(x.body as any).forceWrite, x.code])).toEqual([
      [false, '1409'],
      [true, '0000'],
    ]);
    expect((await logs(h)).map((l) => [l.step, l.outcome])).toEqual([
      ['save', 'failed'],
      ['forceWrite', 'succeeded'],
      ['save', 'succeeded'],
      ['status', 'succeeded'],
    ]);
  });

  const clientIdSource =
    'clientId: the event org first, else the login org of the token; neither → a clear failure';
  it(clientIdSource, async () => {
    const shSerial = h.sim.org(SH.taxNo).ledgers.input[0]!.serialNo;
    const shToken = h.stack.token({ sub: 'u2', orgId: 'sh', roles: ['expense'] });
    await post(h, event(h, { billId: 'B-SH', orgId: undefined, serialNos: [shSerial] }), shToken);
    await h.stack.settle();
    expect((billCalls(h)[0]!.body as any).tin).toBe(SH.taxNo);
    await post(
      h,
      event(h, { billId: 'B-HZ', orgId: 'hz' }),
      h.operator.length ? h.stack.token({ sub: 'op', roles: ['expense', 'operator'] }) : undefined,
    );
    await h.stack.settle();
    expect(billCalls(h).filter((c) => (c.body as any).bxd_key === 'B-HZ')[0]!.body).toMatchObject({
      tin: HZ.taxNo,
    });
    const none = await h.api(
      'POST',
      '/bills/events',
      event(h, { billId: 'B-NONE', orgId: undefined }),
      // no login org (H4: operators only)
      h.stack.token({ sub: 'u3', roles: ['expense', 'operator'] }),
    );
    expect([none.status, none.body.error.details[0].path]).toEqual([400, 'orgId']);
    expect(none.body.error.message).toMatch(/names no org and your token carries none/);
    await h.api('PUT', '/orgs/nocred', { orgName: 'No Cred', taxNo: '91110000MA00000001' });
    await post(
      h,
      event(h, { billId: 'B-NOCRED', orgId: 'nocred' }),
      h.stack.token({ sub: 'op', roles: ['expense', 'operator'] }),
    );
    await h.stack.settle();
    const nocred = await h.api('GET', '/bills/B-NOCRED/logs?orgId=nocred');
    expect(nocred.body.items[0]).toMatchObject({
      outcome: 'failed',
      response: { message: expect.stringMatching(/no invoice-cloud authorization for org nocred/) },
    });
    expect(billCalls(h).some((c) => ['B-NONE', 'B-NOCRED'].includes((c.body as any).bxd_key))).toBe(
      false,
    );
  });

  const billLifecycle =
    'saved, changed, one invoice unbound, then deleted: the cloud follows each step in order';
  it(billLifecycle, async () => {
    const [a, b, c] = event(h).serialNos as [string, string, string];
    await post(h, event(h, { serialNos: [a, b] }));
    await post(h, event(h, { serialNos: [a, b, c], billStatus: 'approved' }));
    await post(h, event(h, { type: 'invoiceUnbound', serialNos: [b], billStatus: 'approved' }));
    await h.stack.settle();
    expect(bill(h)).toMatchObject({ serialNos: [a, c] });
    await post(h, event(h, { type: 'deleted', serialNos: [] }));
    await h.stack.settle();
    expect(bill(h)).toBeUndefined();
    // The unbound invoice and, on delete, the rest are released (status 1) while on the bill.
    expect(billCalls(h).map(stepOf)).toEqual([
      'save',
      'status',
      'save',
      'status',
      'status',
      'save',
      'status',
      'delete',
    ]);
  });

  it('a duplicate delivery of the same event has one cloud effect and a logged skip', async () => {
    const e = event(h);
    const m = {
      eventId: 'evt-dup',
      receivedAt: new Date().toISOString(),
      loginOrgId: 'hz',
      event: e,
    } as never;
    await h.stack.queues.writeback.send(m, { groupId: 'B-1', dedupId: 'first' });
    await h.stack.queues.writeback.send(m, { groupId: 'B-1', dedupId: 'second' });
    await h.stack.settle();
    expect(billCalls(h).filter((c) => c.path.endsWith('/save'))).toHaveLength(1);
    expect((await logs(h)).filter((l) => l.outcome === 'skipped')[0].response.message).toMatch(
      /duplicate delivery/,
    );
  });

  it('save then delete under re-delivery: the delete never overtakes its save', async () => {
    h.sim.setFaults({ outageTaxNos: [HZ.taxNo] });
    await post(h, event(h));
    await post(h, event(h, { type: 'deleted', serialNos: [] }));
    for (let i = 0; i < 100 && !(await logs(h)).some((l) => l.outcome === 'failed'); i++)
      await new Promise((r) => setTimeout(r, 50));
    expect(
      billCalls(h).filter((c) => c.code === undefined && c.status === 503).length,
    ).toBeGreaterThan(0);
    expect(billCalls(h).some((c) => c.path.endsWith('/delete'))).toBe(false);
    h.sim.setFaults({});
    await h.stack.settle();
    const ok = billCalls(h)
      .filter((c) => c.code === '0000')
      .map(stepOf);
    expect(ok).toEqual(['save', 'status', 'status', 'delete']);
    expect(bill(h)).toBeUndefined();
    const l = await logs(h);
    expect(l.filter((x) => x.step === 'save').map((x) => x.outcome)).toEqual([
      'failed',
      'succeeded',
    ]);
    expect(l.find((x) => x.step === 'save' && x.outcome === 'succeeded').attempt).toBe(2);
  });

  const poisonMessage =
    'a poison message fails alone, ' +
    'ends in the dead letters operators can list, and the batch goes on';
  it(poisonMessage, async () => {
    await h.stack.queues.writeback.send({ eventId: 'poison-1', junk: true } as never, {
      groupId: 'B-P',
      dedupId: 'p1',
    });
    await post(h, event(h, { billId: 'B-OK' }));
    await h.stack.settle();
    expect(bill(h, 'B-OK')).toBeDefined();
    expect(h.stack.queues.writeback.dead.map((m) => JSON.parse(m.body).eventId)).toEqual([
      'poison-1',
    ]);
    const dead = (await h.api('GET', '/bills/dead-letters')).body.items;
    expect(dead).toEqual([
      expect.objectContaining({
        eventId: 'poison-1',
        receives: 5,
        error: expect.stringMatching(/invalid write-back message/),
      }),
    ]);
  });

  it('bad events are a 400 naming the field at the API', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ billId: undefined }, 'billId'],
      [{ type: 'archived' }, 'type'],
      [{ serialNos: [] }, 'serialNos'],
      [{ type: 'invoiceUnbound', serialNos: [null] }, 'serialNos'],
      [{ billStatus: '99' }, 'billStatus'],
    ];
    for (const [patch, field] of cases) {
      const res = await h.api('POST', '/bills/events', event(h, patch), h.expense);
      expect([res.status, res.body.error.details.map((d: any) => d.path)]).toEqual([
        400,
        expect.arrayContaining([field]),
      ]);
    }
    expect(h.stack.queues.writeback.depth).toBe(0);
  });
});

describe('POST /bills/events sends to SQS (aws-sdk-client-mock, the exact command)', () => {
  const fifoMessageShape =
    'FIFO group = org#billId, de-duplication id = the event id, body = the message with its org';
  it(fifoMessageShape, async () => {
    const sqs = mockClient(SQSClient);
    sqs.on(SendMessageCommand).resolves({ MessageId: 'm' });
    const deps = {
      queues: {
        writeback: sqsQueue(new SQSClient({ region: 'local' }), 'https://sqs.local/writeback.fifo'),
      },
      clock: () => new Date('2024-07-22T08:00:00Z'),
    } as unknown as Deps;
    const handler = billsApi(deps, () => Promise.resolve('s'));
    const { signJwt } = await import('#shared/adapters/http/jwt.js');
    const body = {
      type: 'deleted',
      billId: 'B-9',
      billNo: 'BX9',
      userId: 'u',
      billStatus: 'discarded',
      dataSource: 'EXPENSE',
      serialNos: [],
    };
    const res: any = await handler(
      {
        routeKey: 'POST /bills/events',
        headers: {
          authorization: `Bearer ${signJwt({ sub: 'u', orgId: 'hz', roles: ['expense'] }, 's')}`,
        },
        body: JSON.stringify(body),
      } as never,
      lambdaContext('bills-api'),
    );
    expect(res.statusCode).toBe(202);
    const { eventId } = JSON.parse(res.body);
    expect(sqs).toHaveReceivedCommandWith(SendMessageCommand, {
      QueueUrl: 'https://sqs.local/writeback.fifo',
      MessageGroupId: 'hz#B-9',
      MessageDeduplicationId: eventId,
      MessageBody: JSON.stringify({
        eventId,
        receivedAt: '2024-07-22T08:00:00.000Z',
        loginOrgId: 'hz',
        event: { ...body, orgId: 'hz' },
      }),
    });
    sqs.restore();
  });
});
