/**
 * Issue 13 — write-back findings of the security review: H3 (bills keyed by billId alone: one org
 * reads and overwrites another org's bill), I1 (a 1409 silently force-written), and the
 * `Idempotency-Key` of `POST /bills/events`.
 */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { ORGS, type Harness } from '../support/harness.js';
import { billEvent, startWritebackHarness } from '../support/writeback.js';
import { localClientConfig } from '#local/dynamo-local.js';
import { CLOUD_PATHS } from '#shared/adapters/cloud/contract.js';
import { createDocClient } from '#shared/adapters/dynamo/dynamo.js';
import { billKey } from '#simulator/invoice-cloud.js';

const [HZ, SH] = ORGS as [(typeof ORGS)[0], (typeof ORGS)[0]];
const saves = (h: Harness, taxNo: string, billId: string) =>
  h.sim.calls.filter(
    (c) =>
      c.path === CLOUD_PATHS.billSave &&
      (c.body as any).tin === taxNo &&
      (c.body as any).bxd_key === billId,
  );
/** Every message sent to the write-back queue, with its FIFO options. */
const watchQueue = (h: Harness) => {
  const q = h.stack.queues.writeback;
  const sent: { body: any; opts: any }[] = [];
  const send = q.send.bind(q);
  q.send = (body, opts) => {
    sent.push({ body, opts });
    return send(body, opts);
  };
  return sent;
};

describe('write-back scoping and conflicts (issue 13: H3, I1, Idempotency-Key)', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startWritebackHarness();
  });
  afterEach(() => h.stop());
  /** A bill event without an org: the token's login org decides (every call names its serials). */
  const event = (o: Record<string, unknown>) => billEvent(h, { orgId: undefined, ...o });

  it("H3: an hz token can neither read sh's bill log nor delete or empty sh's bill", async () => {
    // Arrange: sh saves its bill SH-1 with two invoices
    const sent = watchQueue(h);
    const sh = h.stack.token({ sub: 'clerk-sh', orgId: 'sh', roles: ['expense'] });
    const mallory = h.stack.token({ sub: 'mallory', orgId: 'hz', roles: ['expense'] });
    const [s1, s2] = h.sim.org(SH.taxNo).ledgers.input.map((r) => r.serialNo) as [string, string];
    const shBill = { billId: 'SH-1', billNo: 'BX-SH-1', serialNos: [s1, s2] };
    expect((await h.api('POST', '/bills/events', event(shBill), sh)).status).toBe(202);
    await h.stack.settle();
    // Act: mallory reads the log, deletes "SH-1" (no orgId: her login org), sh later unbinds s2
    const read = await h.api('GET', '/bills/SH-1/logs', undefined, mallory);
    const readSh = await h.api('GET', '/bills/SH-1/logs?orgId=sh', undefined, mallory);
    const del = { type: 'deleted', billId: 'SH-1', billNo: 'x', serialNos: [] };
    expect((await h.api('POST', '/bills/events', event(del), mallory)).status).toBe(202);
    await h.stack.settle();
    const unbind = { ...shBill, type: 'invoiceUnbound', serialNos: [s2] };
    expect((await h.api('POST', '/bills/events', event(unbind), sh)).status).toBe(202);
    await h.stack.settle();
    // Assert
    expect(read).toEqual({ status: 200, body: { items: [], nextCursor: null } });
    expect(readSh.status).toBe(404);
    expect(JSON.stringify(readSh.body)).not.toContain(s1);
    expect(h.sim.bill(SH.taxNo, 'SH-1')?.serialNos).toEqual([s1]);
    expect(saves(h, SH.taxNo, 'SH-1').map((c) => (c.body as any).data[0].fid)).toEqual([
      [s1, s2],
      [s1],
    ]);
    expect(sent.map((m) => m.opts.groupId)).toEqual(['sh#SH-1', 'hz#SH-1', 'sh#SH-1']);
    expect(sent.map((m) => m.body.event.orgId)).toEqual(['sh', 'hz', 'sh']);
    const shLog = (await h.api('GET', '/bills/SH-1/logs', undefined, sh)).body.items as any[];
    expect(shLog.map((l) => l.eventId)).not.toContain(sent[1]!.body.eventId);
    const hzLog = (await h.api('GET', '/bills/SH-1/logs', undefined, mallory)).body.items as any[];
    expect(hzLog.at(-1)).toMatchObject({ step: 'event', outcome: 'failed' });
    expect(hzLog.at(-1).response.message).toMatch(/never saved.*hz/);
  });

  it('H3: an operator names the org (400 without one) and reads only that org’s bill', async () => {
    const shSerial = h.sim.org(SH.taxNo).ledgers.input[0]!.serialNo;
    const hzSerial = h.sim.org(HZ.taxNo).ledgers.input[0]!.serialNo;
    const sh = h.stack.token({ sub: 'clerk-sh', orgId: 'sh', roles: ['expense'] });
    await h.api('POST', '/bills/events', event({ serialNos: [shSerial] }), sh);
    await h.api('POST', '/bills/events', event({ serialNos: [hzSerial] }), h.expense);
    await h.stack.settle();
    // Act
    const none = await h.api('GET', '/bills/B-1/logs');
    const ofSh = await h.api('GET', '/bills/B-1/logs?orgId=sh');
    const ofHz = await h.api('GET', '/bills/B-1/logs?orgId=hz');
    // Assert
    expect([none.status, none.body.error.details.map((d: any) => d.path)]).toEqual([
      400,
      ['orgId'],
    ]);
    expect(ofSh.body.items.map((l: any) => l.request.data?.[0].fid ?? null)).toEqual([
      [shSerial],
      null,
    ]);
    expect(ofHz.body.items.map((l: any) => l.request.data?.[0].fid ?? null)).toEqual([
      [hzSerial],
      null,
    ]);
    expect(h.sim.bill(SH.taxNo, 'B-1')?.serialNos).toEqual([shSerial]);
    expect(h.sim.bill(HZ.taxNo, 'B-1')?.serialNos).toEqual([hzSerial]);
  });

  it('I1: a 1409 is force-written, and the bill log says so in its own line, counted', async () => {
    const [a] = h.sim.org(HZ.taxNo).ledgers.input.map((r) => r.serialNo) as [string];
    h.sim.bills.set(billKey(HZ.taxNo, 'ELSEWHERE'), {
      tin: HZ.taxNo,
      billNo: 'BX-OTHER',
      billId: 'ELSEWHERE',
      userId: 'x',
      dataSource: 'OTHER',
      serialNos: [a],
      expenseStatus: { [a]: '30' },
    });
    // Act: saved twice; the cloud answers 1409 each time (the other bill is not ours)
    await h.api('POST', '/bills/events', event({ orgId: 'hz', serialNos: [a] }), h.expense);
    await h.stack.settle();
    await h.api('POST', '/bills/events', event({ orgId: 'hz', serialNos: [a] }), h.expense);
    await h.stack.settle();
    // Assert
    expect(saves(h, HZ.taxNo, 'B-1').map((c) => [(c.body as any).forceWrite, c.code])).toEqual([
      [false, '1409'],
      [true, '0000'],
      [false, '1409'],
      [true, '0000'],
    ]);
    const l = (await h.api('GET', '/bills/B-1/logs', undefined, h.expense)).body.items as any[];
    expect(l.map((x) => [x.step, x.outcome])).toEqual([
      ['save', 'failed'],
      ['forceWrite', 'succeeded'],
      ['save', 'succeeded'],
      ['status', 'succeeded'],
      ['save', 'failed'],
      ['forceWrite', 'succeeded'],
      ['save', 'succeeded'],
      ['status', 'succeeded'],
    ]);
    const forced = l.filter((x) => x.step === 'forceWrite');
    expect(forced[0].response.message).toMatch(/on another bill.*1409.*force-write/);
    expect(forced.map((x) => x.response.forcedWrites)).toEqual([1, 2]);
  });

  const idempotencyKey =
    'Idempotency-Key: ' +
    'a retry with the same key enqueues nothing twice and answers the same eventId';
  it(idempotencyKey, async () => {
    // Arrange
    const sent = watchQueue(h);
    const [a] = h.sim.org(HZ.taxNo).ledgers.input.map((r) => r.serialNo) as [string];
    const [b] = h.sim.org(SH.taxNo).ledgers.input.map((r) => r.serialNo) as [string];
    const sh = h.stack.token({ sub: 'clerk-sh', orgId: 'sh', roles: ['expense'] });
    const post = async (body: object, token: string, key?: string) => {
      const headers: Record<string, string> = {
        'content-type': 'application/json',
        authorization: `Bearer ${token}`,
        ...(key ? { 'Idempotency-Key': key } : {}),
      };
      const r = await h.stack.http('POST', '/bills/events', headers, JSON.stringify(body));
      return { status: r.status, body: JSON.parse(r.body) };
    };
    const hzEvent = event({ serialNos: [a] });
    // Act
    const first = await post(hzEvent, h.expense, 'retry-1');
    const retry = await post(hzEvent, h.expense, 'retry-1');
    const otherOrg = await post(event({ serialNos: [b] }), sh, 'retry-1');
    const changed = await post(event({ serialNos: [a], billStatus: 'paid' }), h.expense, 'retry-1');
    const noKey = [await post(hzEvent, h.expense), await post(hzEvent, h.expense)];
    await h.stack.settle();
    // Assert
    expect(first.status).toBe(202);
    expect(retry).toEqual(first);
    expect(otherOrg.status).toBe(202);
    expect(otherOrg.body.eventId).not.toBe(first.body.eventId);
    expect(changed.status).toBe(422);
    expect(changed.body.error.message).toMatch(/Idempotency-Key.*different/);
    expect(noKey.map((r) => r.status)).toEqual([202, 202]);
    expect(noKey[0]!.body.eventId).not.toBe(noKey[1]!.body.eventId);
    expect(sent.map((m) => m.body.eventId)).toEqual([
      first.body.eventId,
      otherOrg.body.eventId,
      noKey[0]!.body.eventId,
      noKey[1]!.body.eventId,
    ]);
    expect(sent.map((m) => m.opts.dedupId)).toEqual(sent.map((m) => m.body.eventId));
    const db = createDocClient(localClientConfig(process.env.DYNAMO_ENDPOINT!));
    const { Item } = await db.send(
      new GetCommand({
        TableName: h.stack.tables.billLogs,
        Key: { pk: 'IDEM#hz#retry-1', sk: 'IDEM' },
      }),
    );
    db.destroy();
    const day = Math.floor(Date.now() / 1000) + 86_400;
    expect(Item).toMatchObject({ eventId: first.body.eventId, expiresAt: expect.any(Number) });
    expect(Math.abs((Item!.expiresAt as number) - day)).toBeLessThan(120);
  });
});
