/**
 * The product's metrics (issue 16): the alarms in infra/operations.ts watch these names, so the
 * code must emit them, in EMF under the table's namespace, with only the table's dimensions.
 */
import { powertoolsMetrics } from '#shared/adapters/aws/powertools-metrics.js';
import { METRICS, METRICS_NAMESPACE, SERVICE } from '#shared/metrics.js';
import type { Run } from '#shared/domain/schemas/sync.js';
import { startReceiver, type Receiver } from '#simulator/receiver.js';
import { startHarness, ORGS, type Harness } from '../support/harness.js';
import { captureEmf, recordingMetrics, total } from '../support/metrics.js';

const TAX = ORGS[0]!.taxNo;
const runOf = async (h: Harness, runId: string) =>
  (await h.api('GET', `/sync/runs/${runId}`)).body as Run;

describe('metrics the alarms watch', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.stop();
    h = undefined;
  });

  const emf = 'a succeeded sync run publishes SyncRuns{succeeded} and InvoicesSynced{input} as EMF';
  it(emf, async () => {
    // Arrange
    const metrics = powertoolsMetrics();
    h = await startHarness({ stack: { metrics } });
    const res = await h.api('POST', '/sync', { type: 'input', orgIds: ['hz'] });
    await h.stack.settle();
    const run = await runOf(h, res.body.runs[0].runId as string);
    expect(run.status).toBe('succeeded');

    // Act
    const docs = await captureEmf(() => metrics.flush());

    // Assert
    const doc = (name: string) =>
      docs.find((d) => d._aws.CloudWatchMetrics[0].Metrics[0].Name === name);
    const runs = doc('SyncRuns');
    const synced = doc('InvoicesSynced');
    expect(runs?._aws.CloudWatchMetrics[0]).toEqual({
      Namespace: METRICS_NAMESPACE,
      Dimensions: [['service', 'Outcome']],
      Metrics: [{ Name: 'SyncRuns', Unit: METRICS.SyncRuns.unit }],
    });
    expect(runs).toMatchObject({ service: SERVICE, Outcome: 'succeeded', SyncRuns: 1 });
    expect(synced?._aws.CloudWatchMetrics[0]).toMatchObject({
      Namespace: 'InvoiceCloudBridge',
      Dimensions: [['service', 'Kind']],
    });
    expect(synced).toMatchObject({ Kind: 'input', InvoicesSynced: run.successCount });
    expect(run.successCount).toBeGreaterThan(0);
    expect(await captureEmf(() => metrics.flush())).toEqual([]);
  });

  it("a failing org's retry ladder counts failed runs, then needs_manual once", async () => {
    // Arrange
    const metrics = recordingMetrics();
    h = await startHarness({ stack: { metrics } });
    h.sim.setFaults({ outageTaxNos: [TAX] });
    const body = { type: 'input', orgIds: ['hz'], dataDate: '2024-07-20' };
    const res = await h.api('POST', '/sync', body);
    await h.stack.settle();
    const runId = res.body.runs[0].runId as string;

    // Act: three retry rounds, then the same round again (no second effect)
    for (const time of [21, 22, 23, 23].map((d) => `2024-07-${d}T22:00:00Z`)) {
      await h.api('POST', '/_local/events/sync-retry', { time });
      await h.stack.settle();
    }

    // Assert
    expect((await runOf(h, runId)).status).toBe('needs_manual');
    expect(total(metrics, 'SyncRuns', 'Outcome', 'failed')).toBe(3);
    expect(total(metrics, 'SyncRuns', 'Outcome', 'needs_manual')).toBe(1);
    expect(total(metrics, 'SyncRuns', 'Outcome', 'succeeded')).toBe(0);
    const dims = metrics.recorded.filter((r) => r.name === 'SyncRuns').map((r) => r.dims);
    expect(dims.every((d) => Object.keys(d).join() === 'Outcome')).toBe(true);
  });

  describe('callbacks', () => {
    let rcv: Receiver;
    beforeEach(async () => {
      rcv = await startReceiver();
    });
    afterEach(() => rcv.stop());

    it('a callback given up counts Callbacks{given_up} once, after its retries', async () => {
      // Arrange
      const metrics = recordingMetrics();
      h = await startHarness({
        stack: { metrics, callbackRetryDelays: [0.1, 0.1], callbackTimeoutMs: 300 },
      });
      const hz = h.stack.token({ sub: 'cloud-hz', orgId: 'hz', roles: ['cloud'] });
      const sys = { orgId: 'hz', name: 'ERP', callbackUrl: `${rcv.url}/hooks` };
      expect((await h.api('PUT', '/systems/erp', sys)).status).toBe(201);
      const order = { systemId: 'erp', orderNo: 'ORD-X', buyer: '某公司', amount: '100.00' };
      await h.api('POST', '/billing/orders', order, h.expense);
      rcv.failNext(503, 503, 503, 503);

      // Act
      const result = {
        orderNo: 'ORD-X',
        resultType: 'BLUE',
        invoiceNo: '12345678',
        invoiceCode: '033002100111',
        serialNo: 'S-ORD-X',
        time: '2024-07-22 10:00:00',
      };
      expect((await h.api('POST', '/billing/results', result, hz)).status).toBe(200);
      const end = Date.now() + 15_000;
      while (!total(metrics, 'Callbacks', 'Outcome', 'given_up') && Date.now() < end) {
        await h.stack.settle();
        await new Promise((r) => setTimeout(r, 50));
      }
      await h.stack.settle();

      // Assert
      expect(total(metrics, 'Callbacks', 'Outcome', 'given_up')).toBe(1);
      expect(total(metrics, 'Callbacks', 'Outcome', 'retrying')).toBe(2);
      expect(total(metrics, 'Callbacks', 'Outcome', 'delivered')).toBe(0);
    });
  });
});
