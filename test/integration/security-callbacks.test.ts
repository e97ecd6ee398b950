/**
 * Security review H1: results and orders are confined to their org. An org's tokens, even its
 * invoice cloud's (`cloud` role) and its expense system's together, can neither forge a signed
 * result for another org's order, nor hijack another org's order, nor reach it through an output
 * invoice they push. Systems belong to one org.
 */
import { startReceiver, type Receiver } from '#simulator/receiver.js';
import { startHarness, ORGS, type Harness } from '../support/harness.js';
import { pushResult } from '../support/fixtures.js';
import { secretNames } from '#shared/ports.js';

const HZ_TAX = ORGS[0]!.taxNo;

describe('security: callbacks are confined to their org (H1)', () => {
  let h: Harness;
  let rcvHz: Receiver;
  let rcvSh: Receiver;
  let sh: { expense: string; cloud: string };
  let mallory: string;

  const register = (systemId: string, orgId: string, rcv: Receiver) =>
    h.api('PUT', `/systems/${systemId}`, {
      orgId,
      name: systemId,
      callbackUrl: `${rcv.url}/hooks`,
    });
  const order = (systemId: string, orderNo: string, token: string) =>
    h.api('POST', '/billing/orders', { systemId, orderNo, amount: '100.00' }, token);
  const result = (orderNo: string, token: string, extra: object = {}) =>
    pushResult(h, orderNo, extra, token);
  const bodies = (rcv: Receiver) => rcv.received.map((r) => JSON.parse(r.body));
  const logsOf = async (query: string) =>
    (await h.api('GET', `/interaction-logs?limit=200&${query}`)).body.items as any[];

  beforeEach(async () => {
    h = await startHarness({ stack: { callbackRetryDelays: [0.2], callbackTimeoutMs: 300 } });
    rcvHz = await startReceiver();
    rcvSh = await startReceiver();
    sh = {
      expense: h.stack.token({ sub: 'erp-sh', orgId: 'sh', roles: ['expense'] }),
      cloud: h.stack.token({ sub: 'cloud-sh', orgId: 'sh', roles: ['cloud'] }),
    };
    mallory = h.stack.token({ sub: 'mallory', orgId: 'hz', roles: ['cloud', 'expense'] });
    expect((await register('erp-hz', 'hz', rcvHz)).status).toBe(201);
    expect((await register('erp-sh', 'sh', rcvSh)).status).toBe(201);
  });
  afterEach(async () => {
    await h.stop();
    await rcvHz.stop();
    await rcvSh.stop();
  });

  it('an expense token cannot push results at all (they come from the cloud role)', async () => {
    // Arrange
    expect((await order('erp-sh', 'ORD-SH-0', sh.expense)).status).toBe(202);
    const employee = h.stack.token({ sub: 'mallory', orgId: 'sh', roles: ['expense'] });

    // Act
    const forged = await result('ORD-SH-0', employee, { serialNo: 'FORGED' });
    await h.stack.settle();

    // Assert
    expect(forged.status).toBe(403);
    expect(rcvSh.received).toHaveLength(0);
  });

  it("a result pushed with another org's token creates nothing and sends nothing", async () => {
    // Arrange
    expect((await order('erp-sh', 'ORD-SH-1', sh.expense)).status).toBe(202);

    // Act
    const forged = await result('ORD-SH-1', mallory, { serialNo: 'FORGED', invoiceNo: '99999999' });
    await h.stack.settle();

    // Assert
    expect(forged.status).toBe(404);
    expect(rcvSh.received).toHaveLength(0);
    expect(rcvHz.received).toHaveLength(0);
    expect((await logsOf('orderNo=ORD-SH-1')).map((l) => l.operationType)).toEqual(['ORDER_FETCH']);
    // The genuine result, from sh's own cloud credential, still arrives (its log was not taken).
    expect((await result('ORD-SH-1', sh.cloud)).body.description).toBe('accepted');
    await h.stack.settle();
    expect(bodies(rcvSh)).toEqual([expect.objectContaining({ orderNo: 'ORD-SH-1' })]);
  });

  it("an order number claimed in another org does not divert that org's result", async () => {
    // Arrange: sh orders; mallory claims the same number on her own system afterwards
    expect((await order('erp-sh', 'ORD-SH-2', sh.expense)).status).toBe(202);
    expect((await order('erp-hz', 'ORD-SH-2', mallory)).status).toBe(202);

    // Act: sh's cloud pushes the genuine result
    const genuine = await result('ORD-SH-2', sh.cloud);
    await h.stack.settle();

    // Assert
    expect(genuine.status).toBe(200);
    expect(bodies(rcvSh)).toEqual([expect.objectContaining({ orderNo: 'ORD-SH-2' })]);
    expect(rcvHz.received).toHaveLength(0);
  });

  it("an order naming another org's system is a 404, and nothing is logged", async () => {
    // Act
    const res = await order('erp-sh', 'ORD-SH-9', mallory);

    // Assert
    expect(res.status).toBe(404);
    expect(await logsOf('orderNo=ORD-SH-9')).toEqual([]);
  });

  it("an output invoice pushed in one's own org never answers another org's order", async () => {
    // Arrange
    expect((await order('erp-sh', 'ORD-SH-3', sh.expense)).status).toBe(202);
    const record = {
      ...h.sim.org(HZ_TAX).ledgers.output.find((r) => r.invoiceStatus === 0)!,
      orderNo: 'ORD-SH-3',
      updateTime: '2030-01-01 00:00:00',
    };

    // Act
    const push = await h.api(
      'POST',
      '/invoices/push',
      { orgId: 'hz', kind: 'output', invoices: [record] },
      mallory,
    );
    await h.stack.settle();

    // Assert
    expect(push.status).toBe(200);
    expect(rcvSh.received).toHaveLength(0);
    expect(rcvHz.received).toHaveLength(0);
    expect((await logsOf('orderNo=ORD-SH-3')).map((l) => l.operationType)).toEqual(['ORDER_FETCH']);
  });

  it('one order number in two orgs: two orders; a second claim in one org: the first', async () => {
    // Arrange
    const hzOrder = (await order('erp-hz', 'ORD-BOTH', mallory)).body.logId;
    const shOrder = (await order('erp-sh', 'ORD-BOTH', sh.expense)).body.logId;
    const again = await order('erp-sh', 'ORD-BOTH', sh.expense);

    // Act
    await result('ORD-BOTH', sh.cloud);
    await h.stack.settle();

    // Assert
    expect(hzOrder).not.toBe(shOrder);
    expect(again).toMatchObject({ status: 202, body: { logId: shOrder } });
    expect(bodies(rcvSh)).toEqual([expect.objectContaining({ orderNo: 'ORD-BOTH' })]);
    expect(rcvHz.received).toHaveLength(0);
    const logs = await logsOf('orderNo=ORD-BOTH');
    expect(logs.filter((l) => l.operationType === 'ORDER_FETCH')).toHaveLength(2);
    expect(
      (await logsOf('orderNo=ORD-BOTH&orgId=sh')).map((l) => [l.orgId, l.operationType]),
    ).toEqual([
      ['sh', 'BLUE_RESULT_CALLBACK'],
      ['sh', 'ORDER_FETCH'],
    ]);
  });

  it('a system belongs to one org: orgId is required, must exist, and cannot change', async () => {
    // Act
    const missing = await h.api('PUT', '/systems/erp-x', { name: 'x', callbackUrl: rcvHz.url });
    const unknown = await register('erp-x', 'nowhere', rcvHz);
    const shSecret = () => h.stack.secrets.get(secretNames.systemSigningSecret('erp-sh'));
    const secretBefore = await shSecret();
    const moved = await register('erp-sh', 'hz', rcvHz);
    const rotated = await h.api('PUT', '/systems/erp-sh', {
      orgId: 'hz',
      name: 'erp-sh',
      callbackUrl: `${rcvHz.url}/hooks`,
      rotateSecret: true,
    });

    // Assert
    expect(missing.status).toBe(400);
    expect(missing.body.error.details.map((d: { path: string }) => d.path)).toContain('orgId');
    expect(unknown.status).toBe(404);
    expect(moved.status).toBe(409);
    expect(moved.body.error.message).toMatch(/orgId/);
    // A refused move with rotateSecret rotates nothing: sh's system keeps its secret.
    expect(rotated.status).toBe(409);
    expect(await shSecret()).toBe(secretBefore);
    // The refused move changed nothing: sh's order still reaches sh's receiver.
    await order('erp-sh', 'ORD-SH-4', sh.expense);
    await result('ORD-SH-4', sh.cloud);
    await h.stack.settle();
    expect(bodies(rcvSh)).toEqual([expect.objectContaining({ orderNo: 'ORD-SH-4' })]);
  });
});
