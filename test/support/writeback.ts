/** Shared pieces of the write-back suites: the cloud's bill steps, a bill event, posting, logs. */
import type { SQSRecord } from 'aws-lambda';
import { CLOUD_PATHS } from '#shared/adapters/cloud/contract.js';
import { ORGS, startHarness, type Harness } from './harness.js';

const HZ = ORGS[0]!;

/** The step a simulator call stands for (releases are use-status updates too). */
export const STEP_OF: Record<string, string> = {
  [CLOUD_PATHS.billSave]: 'save',
  [CLOUD_PATHS.billStatus]: 'status',
  [CLOUD_PATHS.billDelete]: 'delete',
};

/** A harness with the input ledgers synced and write-back switched on. */
export const startWritebackHarness = async (opts: Parameters<typeof startHarness>[0] = {}) => {
  const h = await startHarness(opts);
  await h.api('POST', '/sync', { type: 'input' });
  await h.stack.settle();
  await h.api('PUT', '/config', { writeback: true });
  return h;
};

/** The serial numbers of hz's input ledger, in ledger order. */
export const serials = (h: Harness) => h.sim.org(HZ.taxNo).ledgers.input.map((r) => r.serialNo);

/** A `saved` event of bill B-1 with hz's first three invoices; `o` overrides any field. */
export const billEvent = (h: Harness, o: Record<string, unknown> = {}) => ({
  type: 'saved',
  billId: 'B-1',
  billNo: 'BX20240722001',
  orgId: 'hz',
  userId: 'user-1',
  billStatus: 'submitted',
  dataSource: 'EXPENSE',
  serialNos: serials(h).slice(0, 3),
  ...o,
});

/** `POST /bills/events`, expecting 202; the event id. */
export const postBillEvent = async (h: Harness, body: unknown, token?: string) => {
  const res = await h.api('POST', '/bills/events', body, token ?? h.expense);
  expect(res.status).toBe(202);
  return res.body.eventId as string;
};

/** A bill's log as the expense system reads it. */
export const billLogs = async (h: Harness, billId = 'B-1') =>
  (await h.api('GET', `/bills/${billId}/logs?limit=200`, undefined, h.expense)).body.items as any[];

/** One SQS record of the write-back queue, as Lambda would receive it (receive count given). */
export const writebackRecord = (m: { eventId: string; event: object }, receives = 1): SQSRecord => {
  const { orgId, billId } = m.event as { orgId?: string; billId: string };
  return {
    messageId: `msg-${m.eventId}`,
    receiptHandle: `rh-${m.eventId}-${receives}`,
    body: JSON.stringify(m),
    attributes: {
      ApproximateReceiveCount: String(receives),
      SentTimestamp: String(Date.now()),
      SenderId: 'test',
      ApproximateFirstReceiveTimestamp: String(Date.now()),
      MessageGroupId: `${orgId ?? 'hz'}#${billId}`,
      MessageDeduplicationId: m.eventId,
    },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:local:000000000000:writeback.fifo',
    awsRegion: 'local',
  };
};
