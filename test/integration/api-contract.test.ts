/**
 * HTTP API deviations an outside reviewer found against SPEC §4.1 and INVOICE_CLOUD_API.md:
 * org upserts, sync replies, the cloud's result push, the expense token's default org.
 */
import { startReceiver, type Receiver } from '#simulator/receiver.js';
import { startHarness, type Harness } from '../support/harness.js';

describe('HTTP API as SPEC §4.1 and the cloud contract say', () => {
  let h: Harness;
  let rcv: Receiver;
  beforeAll(async () => {
    h = await startHarness();
    rcv = await startReceiver();
  });
  afterAll(async () => {
    await h.stop();
    await rcv.stop();
  });

  it('PUT /orgs/{orgId}: orgId in the body only when it equals the path', async () => {
    // Arrange
    const body = { orgName: 'Nine', taxNo: '91330100MA00000009' };
    // Act
    const same = await h.api('PUT', '/orgs/o9', { ...body, orgId: 'o9' });
    const other = await h.api('PUT', '/orgs/o9', { ...body, orgId: 'o8' });
    // Assert
    expect(same.status).toBe(201);
    expect(other.status).toBe(400);
    expect(other.body.error.details.map((d: { path: string }) => d.path)).toContain('orgId');
  });

  it('PUT /orgs/{orgId} on an existing org keeps fields not given; create needs them', async () => {
    // Arrange
    const created = await h.api('PUT', '/orgs/o10', {
      orgName: 'Ten',
      taxNo: '91330100MA00000010',
      syncEnabled: false,
    });
    // Act
    const renamed = await h.api('PUT', '/orgs/o10', { orgName: 'Ten Ltd' });
    const missing = await h.api('PUT', '/orgs/o11', { orgName: 'Eleven' });
    // Assert
    expect(created.status).toBe(201);
    expect(renamed.status).toBe(200);
    expect(renamed.body).toMatchObject({
      orgName: 'Ten Ltd',
      taxNo: '91330100MA00000010',
      syncEnabled: false,
      pushEnabled: false,
    });
    expect(missing.status).toBe(400);
    expect(missing.body.error.details.map((d: { path: string }) => d.path)).toContain('taxNo');
  });

  it('POST /sync and /sync/by-bills answer full run objects, as GET /sync/runs/{id}', async () => {
    // Act
    const sync = await h.api('POST', '/sync', { type: 'input', orgIds: ['hz'] });
    const byBills = await h.api('POST', '/sync/by-bills', { orgId: 'hz', billNos: ['B-1'] });
    // Assert
    expect(sync.status).toBe(202);
    expect(byBills.status).toBe(202);
    for (const run of [sync.body.runs[0], byBills.body.runs[0]]) {
      for (const f of ['orgName', 'taxNo', 'trigger', 'message', 'successCount', 'createdAt'])
        expect(run).toHaveProperty(f);
      expect(Object.keys(run).filter((k) => k.startsWith('lease'))).toEqual([]);
    }
    await h.stack.settle();
  });

  it('POST /billing/results ignores keys the contract does not name', async () => {
    // Arrange
    await h.api('PUT', '/systems/erp', {
      orgId: 'hz',
      name: 'ERP',
      callbackUrl: `${rcv.url}/hooks`,
    });
    const order = await h.api(
      'POST',
      '/billing/orders',
      { systemId: 'erp', orderNo: 'O-X1' },
      h.expense,
    );
    // Act
    const res = await h.api(
      'POST',
      '/billing/results',
      {
        orderNo: 'O-X1',
        resultType: 'BLUE',
        invoiceNo: '12345678',
        time: '2024-07-22 10:00:00',
        vendorTraceId: 'abc',
      },
      h.cloud,
    );
    const proto = await h.api(
      'POST',
      '/billing/results',
      '{"orderNo":"O-X1","resultType":"BLUE","time":"t","__proto__":{"x":1}}',
      h.cloud,
    );
    // Assert
    expect(order.status).toBe(202);
    expect(res.status).toBeLessThan(300);
    expect(proto.status).toBe(400);
  });

  it("GET /invoices with an expense token and no orgId reads the token's org", async () => {
    // Arrange
    await h.api('POST', '/sync', { type: 'input', orgIds: ['hz'] });
    await h.stack.settle();
    const named = await h.api('GET', '/invoices?orgId=hz', undefined, h.expense);
    // Act
    const mine = await h.api('GET', '/invoices', undefined, h.expense);
    // Assert
    expect(mine.status).toBe(200);
    expect(mine.body.items.length).toBeGreaterThan(0);
    expect(mine.body.items).toEqual(named.body.items);
  });
});
