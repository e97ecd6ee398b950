import { createHash } from 'node:crypto';
import { createCloudClient, CloudError } from '#shared/adapters/cloud/client.js';
import { billDeleteBody, billSaveBody, billStatusBody } from '#shared/adapters/cloud/contract.js';
import { startSimulator, type SimCall, type Simulator } from '#simulator/invoice-cloud.js';
import { ORGS } from '../support/harness.js';

const org = ORGS[0]!;
const auth = { clientId: org.clientId, clientSecret: org.clientSecret, taxNo: org.taxNo };
const fast = { baseDelayMs: 5, maxDelayMs: 40, budgetMs: 5000, timeoutMs: 500 };
const md5 = (s: string) => createHash('md5').update(s).digest('hex');
const bill = { billNo: 'BX20240722001', billId: 'B-1', userId: 'u-1', dataSource: '5' };

/** The credentials a body-signed call must carry, the sign recomputed from its own timestamp. */
const expectSigned = (c: SimCall) => {
  const b = c.body as Record<string, unknown>;
  expect(b).toMatchObject({ client_id: org.clientId, tin: org.taxNo });
  expect(b.timestamp).toMatch(/^\d{13}$/);
  expect(b.sign).toBe(md5(org.clientId + org.clientSecret + String(b.timestamp)));
  expect(JSON.stringify(c)).not.toContain(org.clientSecret);
  expect(c.query.reqid!.length).toBeGreaterThanOrEqual(13);
  expect(c.query).not.toHaveProperty('access_token');
};
const creds = { client_id: expect.any(String), timestamp: expect.any(String) };
const signedBy = { ...creds, sign: expect.any(String), tin: org.taxNo };

describe('invoice-cloud client against the simulator over loopback HTTP', () => {
  let sim: Simulator;
  const callsTo = (path: string) => sim.calls.filter((c) => c.path === path);
  beforeEach(async () => {
    sim = await startSimulator({
      orgs: [{ ...org, input: 230 }],
      endDate: '2024-07-22',
      days: 5,
      tokenTtlSeconds: 3600,
    });
  });
  afterEach(() => sim.stop());
  const client = (retry = {}) =>
    createCloudClient({ baseUrl: sim.url, retry: { ...fast, ...retry } });
  const serials = (n: number) =>
    sim
      .org(org.taxNo)
      .ledgers.input.slice(0, n)
      .map((r) => r.serialNo);

  const tokenRequestSigned =
    'signs the token request with MD5(client_id + secret + timestamp) and sends access_token, ' +
    'reqid and taxNo';
  it(tokenRequestSigned, async () => {
    await client().listInvoices(auth, 'input', { pageNo: 1, pageSize: 10 });
    const tokenCall = callsTo('/base/oauth/token')[0]!;
    const b = tokenCall.body as { client_id: string; timestamp: string; sign: string };
    expect(b.sign).toBe(md5(org.clientId + org.clientSecret + b.timestamp));
    expect(JSON.stringify(b)).not.toContain(org.clientSecret);
    const list = callsTo('/portal/invoice/input/list')[0]!;
    expect(list.query.taxNo).toBe(org.taxNo);
    expect(list.query.reqid!.length).toBeGreaterThanOrEqual(13);
    expect(list.query.access_token).toBeTruthy();
  });

  it('pages through everything, survives a token expiry and an injected 503 and 429', async () => {
    const c = client();
    const seen: string[] = [];
    const first = await c.listInvoices(auth, 'input', { pageNo: 1, pageSize: 100 });
    seen.push(...first.list.map((r) => (r as { serialNo: string }).serialNo));
    sim.expireTokens();
    sim.setFaults({ once: ['503', '429'], retryAfterSeconds: 0 });
    for (let p = 2; p <= Math.ceil(first.total / 100); p++) {
      const page = await c.listInvoices(auth, 'input', { pageNo: p, pageSize: 100 });
      seen.push(...page.list.map((r) => (r as { serialNo: string }).serialNo));
    }
    expect(first.total).toBe(230);
    expect(new Set(seen).size).toBe(230);
    expect(callsTo('/base/oauth/token')).toHaveLength(2);
    expect(sim.calls.some((x) => x.status === 503)).toBe(true);
    expect(sim.calls.some((x) => x.status === 429)).toBe(true);
  });

  it('filters by update time, inclusive of both ends', async () => {
    const day = await client().listInvoices(auth, 'input', {
      updateTimeStart: '2024-07-20 00:00:00',
      updateTimeEnd: '2024-07-20 23:59:59',
      pageNo: 1,
      pageSize: 500,
    });
    const expected = sim
      .org(org.taxNo)
      .ledgers.input.filter((r) => r.updateTime.startsWith('2024-07-20'));
    expect(day.total).toBe(expected.length);
    expect(day.list.map((r) => (r as { serialNo: string }).serialNo)).toEqual(
      expected.map((r) => r.serialNo),
    );
  });

  it('does not retry bad credentials (1101) on the token call and says so', async () => {
    const bad = { ...auth, clientSecret: 'wrong' };
    const err = await client()
      .listInvoices(bad, 'input', { pageNo: 1, pageSize: 1 })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: '1101', retryable: false });
    expect((err as Error).message).toMatch(/bad client credentials for clientId client-hz/);
    expect(callsTo('/base/oauth/token')).toHaveLength(1);
  });

  const notRetried =
    '1101 (bad sign), 1200 (no client_id) and 1301 (serial not on the bill) are not retried';
  it(notRetried, async () => {
    const c = client();
    const save = billSaveBody({ ...bill, forceWrite: false, serialNos: serials(1) });
    await expect(c.saveBill({ ...auth, clientSecret: 'wrong' }, save)).rejects.toMatchObject({
      code: '1101',
      retryable: false,
    });
    await expect(c.saveBill({ ...auth, clientId: '' }, save)).rejects.toMatchObject({
      code: '1200',
      retryable: false,
    });
    const tokenErr = await c
      .listInvoices({ ...auth, clientId: '' }, 'input', { pageNo: 1, pageSize: 1 })
      .catch((e: unknown) => e);
    expect(tokenErr).toMatchObject({ code: '1200', retryable: false });
    expect((tokenErr as Error).message).toMatch(/no client_id \(1200\).*clientId/);
    await c.saveBill(auth, save);
    const stray = billStatusBody({ ...bill, expenseStatus: '60', serialNos: serials(2) });
    await expect(c.billStatus(auth, stray)).rejects.toMatchObject({
      code: '1301',
      retryable: false,
    });
    expect(callsTo('/m4/fpzs/expense/entry/save').map((x) => x.code)).toEqual([
      '1101',
      '1200',
      '0000',
    ]);
    expect(callsTo('/m4/fpzs/expense/invoice/status/update').map((x) => x.code)).toEqual(['1301']);
    expect(callsTo('/base/oauth/token').map((x) => x.code)).toEqual(['1200']);
  });

  it('gives up on a total outage within its budget with a retryable error', async () => {
    sim.setFaults({ outageTaxNos: [org.taxNo] });
    const err = await client({ maxAttempts: 3 })
      .listInvoices(auth, 'input', { pageNo: 1, pageSize: 1 })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CloudError);
    expect((err as CloudError).retryable).toBe(true);
    expect((err as CloudError).message).toMatch(/HTTP 503.*gave up after 3 attempts/);
  });

  it('times out a hanging call and retries it', async () => {
    const c = client({ timeoutMs: 200 });
    await c.listInvoices(auth, 'input', { pageNo: 1, pageSize: 1 });
    sim.setFaults({ once: ['timeout'], hangMs: 1000 });
    const page = await c.listInvoices(auth, 'input', { pageNo: 1, pageSize: 5 });
    expect(page.list).toHaveLength(5);
  });

  const billCallsSigned =
    'bill calls are body-signed with the vendor names, optional fields null or "", no token';
  it(billCallsSigned, async () => {
    const c = client();
    const [a, b] = serials(2) as [string, string];
    await c.saveBill(auth, billSaveBody({ ...bill, forceWrite: true, serialNos: [a, b] }));
    await c.billStatus(auth, billStatusBody({ ...bill, expenseStatus: '60', serialNos: [a] }));
    await c.deleteBill(auth, billDeleteBody(bill));
    const [save, status, del] = [
      '/m4/fpzs/expense/entry/save',
      '/m4/fpzs/expense/invoice/status/update',
      '/m4/fpzs/expense/entry/delete',
    ].map((p) => callsTo(p)[0]!) as [SimCall, SimCall, SimCall];
    for (const x of [save, status, del]) expectSigned(x);
    const who = { eid: 'u-1', billnumber: 'BX20240722001', bxd_key: 'B-1' };
    expect(save.body).toEqual({
      ...signedBy,
      ...who,
      billTypeId: '',
      billType: '',
      userKey: '',
      resource: '5',
      forceWrite: true,
      data: [{ entryid: '', fid: [a, b] }],
      remark: null,
      expensePersonId: null,
      expensePersonName: null,
      realExpenseAmount: null,
    });
    expect(status.body).toEqual({
      ...signedBy,
      ...who,
      billTypeId: '',
      userKey: '',
      ticketParam: null,
      expenseStatus: '60',
      invoiceData: [
        {
          serialNo: a,
          canBeDeduction: null,
          entryAmount: null,
          outputReason: null,
          outputAmount: null,
        },
      ],
    });
    expect(del.body).toEqual({ ...signedBy, ...who, billType: '', userKey: '' });
    expect(Object.keys(save.body as object).slice(0, 4)).toEqual([
      'client_id',
      'timestamp',
      'sign',
      'tin',
    ]);
    expect(callsTo('/base/oauth/token')).toHaveLength(0);
    expect(sim.org(org.taxNo).ledgers.input.find((r) => r.serialNo === a)!.expendStatus).toBe(60);
    expect(sim.bill(org.taxNo, 'B-1')).toBeUndefined();
  });

  it('retries 1307 (busy) like a 429, and a 503, then succeeds', async () => {
    sim.setFaults({ once: ['1307', '503', '1307'] });
    const reply = await client().saveBill(
      auth,
      billSaveBody({ ...bill, forceWrite: false, serialNos: serials(1) }),
    );
    expect(reply.code).toBe('0000');
    const saves = callsTo('/m4/fpzs/expense/entry/save');
    expect(saves.map((x) => x.code ?? x.status)).toEqual(['1307', 503, '1307', '0000']);
    expect(new Set(saves.map((x) => x.query.reqid)).size).toBe(4);
  });

  const byBillCalls =
    'by bill: one signed call per bill at most 4 at a time; empty answers are not found';
  it(byBillCalls, async () => {
    const ledger = sim.org(org.taxNo).ledgers.input;
    const billNos = [...new Set(ledger.map((r) => r.billNo).filter(Boolean))].slice(0, 7);
    expect(billNos.length).toBe(7);
    sim.setFaults({ slowMs: 40 });
    sim.concurrency.peak = 0;
    const res = await client().invoicesByBills(auth, [
      ...(billNos as string[]),
      'BX-NOPE',
      'BX-NADA',
    ]);
    const calls = callsTo('/m4/fpzs/expense/invoices/query');
    expect(calls).toHaveLength(9);
    calls.forEach(expectSigned);
    expect(calls.map((x) => (x.body as { billnumber: string }).billnumber).sort()).toEqual(
      [...billNos, 'BX-NOPE', 'BX-NADA'].sort(),
    );
    expect(sim.concurrency.peak).toBe(4);
    expect(res.notFound).toEqual(['BX-NOPE', 'BX-NADA']);
    const onBills = ledger.filter((r) => r.billNo && billNos.includes(r.billNo));
    expect(res.list.map((r) => (r as { serialNo: string }).serialNo).sort()).toEqual(
      onBills.map((r) => r.serialNo).sort(),
    );
  });

  it('detail query: fid comma-joined, unknown serials left out', async () => {
    const [a, b] = serials(2) as [string, string];
    const records = await client().invoiceDetails(auth, [a, b, 'NOPE']);
    const [call] = callsTo('/m4/fpzs/expense/invoice/detail/query');
    expectSigned(call!);
    expect(call!.body).toEqual({ ...signedBy, fid: `${a},${b},NOPE` });
    expect(records.map((r) => (r as { serialNo: string }).serialNo).sort()).toEqual([a, b].sort());
    expect(records.map((r) => typeof (r as { invoiceType: unknown }).invoiceType)).toEqual([
      'number',
      'number',
    ]);
  });
});
