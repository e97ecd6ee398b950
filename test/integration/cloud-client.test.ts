import { createHash } from 'node:crypto';
import { createCloudClient, CloudError } from '#shared/cloud/client.js';
import { startSimulator, type Simulator } from '#simulator/invoice-cloud.js';
import { ORGS } from '../support/harness.js';

const org = ORGS[0]!;
const auth = { clientId: org.clientId, clientSecret: org.clientSecret, taxNo: org.taxNo };
const fast = { baseDelayMs: 5, maxDelayMs: 40, budgetMs: 5000, timeoutMs: 500 };

describe('invoice-cloud client against the simulator over loopback HTTP', () => {
  let sim: Simulator;
  beforeEach(async () => {
    sim = await startSimulator({
      orgs: [{ ...org, input: 230 }],
      endDate: '2024-07-22',
      days: 5,
      tokenTtlSeconds: 3600,
    });
  });
  afterEach(() => sim.stop());

  it('signs the token request with MD5(client_id + secret + timestamp) and sends access_token, reqid and taxNo', async () => {
    const client = createCloudClient({ baseUrl: sim.url, retry: fast });
    await client.listInvoices(auth, 'input', { pageNo: 1, pageSize: 10 });
    const tokenCall = sim.calls.find((c) => c.path === '/base/oauth/token')!;
    const b = tokenCall.body as { client_id: string; timestamp: string; sign: string };
    expect(b.sign).toBe(
      createHash('md5')
        .update(org.clientId + org.clientSecret + b.timestamp)
        .digest('hex'),
    );
    expect(JSON.stringify(b)).not.toContain(org.clientSecret);
    const list = sim.calls.find((c) => c.path === '/portal/invoice/input/list')!;
    expect(list.query.taxNo).toBe(org.taxNo);
    expect(list.query.reqid!.length).toBeGreaterThanOrEqual(13);
    expect(list.query.access_token).toBeTruthy();
  });

  it('pages through everything, survives a token expiry and an injected 503 and 429', async () => {
    const client = createCloudClient({ baseUrl: sim.url, retry: fast });
    const seen: string[] = [];
    const first = await client.listInvoices(auth, 'input', { pageNo: 1, pageSize: 100 });
    seen.push(...first.list.map((r) => (r as { serialNo: string }).serialNo));
    sim.expireTokens();
    sim.setFaults({ once: ['503', '429'], retryAfterSeconds: 0 });
    for (let p = 2; p <= Math.ceil(first.total / 100); p++) {
      const page = await client.listInvoices(auth, 'input', { pageNo: p, pageSize: 100 });
      seen.push(...page.list.map((r) => (r as { serialNo: string }).serialNo));
    }
    expect(first.total).toBe(230);
    expect(new Set(seen).size).toBe(230);
    expect(sim.calls.filter((c) => c.path === '/base/oauth/token')).toHaveLength(2);
    expect(sim.calls.some((c) => c.status === 503)).toBe(true);
    expect(sim.calls.some((c) => c.status === 429)).toBe(true);
  });

  it('filters by update time, inclusive of both ends', async () => {
    const client = createCloudClient({ baseUrl: sim.url, retry: fast });
    const day = await client.listInvoices(auth, 'input', {
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

  it('does not retry bad credentials (1301) and says so', async () => {
    const client = createCloudClient({ baseUrl: sim.url, retry: fast });
    await expect(
      client.listInvoices({ ...auth, clientSecret: 'wrong' }, 'input', { pageNo: 1, pageSize: 1 }),
    ).rejects.toMatchObject({ code: '1301', retryable: false });
    expect(sim.calls.filter((c) => c.path === '/base/oauth/token')).toHaveLength(1);
  });

  it('gives up on a total outage within its budget with a retryable error', async () => {
    const client = createCloudClient({ baseUrl: sim.url, retry: { ...fast, maxAttempts: 3 } });
    sim.setFaults({ outageTaxNos: [org.taxNo] });
    const err = await client
      .listInvoices(auth, 'input', { pageNo: 1, pageSize: 1 })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CloudError);
    expect((err as CloudError).retryable).toBe(true);
    expect((err as CloudError).message).toMatch(/HTTP 503.*gave up after 3 attempts/);
  });

  it('times out a hanging call and retries it', async () => {
    const client = createCloudClient({ baseUrl: sim.url, retry: { ...fast, timeoutMs: 200 } });
    await client.listInvoices(auth, 'input', { pageNo: 1, pageSize: 1 });
    sim.setFaults({ once: ['timeout'], hangMs: 1000 });
    const page = await client.listInvoices(auth, 'input', { pageNo: 1, pageSize: 5 });
    expect(page.list).toHaveLength(5);
  });

  it('reads the errorCode/message envelope of the by-bills call', async () => {
    const client = createCloudClient({ baseUrl: sim.url, retry: fast });
    const billNo = sim.org(org.taxNo).ledgers.input.find((r) => r.billNo)!.billNo!;
    const res = await client.invoicesByBills(auth, [billNo, 'BX-NOPE']);
    expect(res.notFound).toEqual(['BX-NOPE']);
    expect(res.list.length).toBeGreaterThan(0);
    expect(res.list.every((r) => (r as { billNo: string }).billNo === billNo)).toBe(true);
  });
});
