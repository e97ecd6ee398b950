/**
 * Operators' dead-letter redrive (issue 16): `GET /dead-letters` counts each DLQ,
 * `POST /dead-letters/{queue}/redrive` moves a DLQ back to its queue (`StartMessageMoveTask`), and
 * a redriven write-back event cannot bring back a bill deleted since it was dead-lettered.
 */
import {
  GetQueueAttributesCommand,
  SQSClient,
  StartMessageMoveTaskCommand,
} from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import type { SQSEvent } from 'aws-lambda';
import { ORGS, type Harness } from '../support/harness.js';
import {
  billEvent,
  billLogs,
  postBillEvent,
  serials,
  startWritebackHarness,
  STEP_OF,
} from '../support/writeback.js';
import { LocalQueue } from '#local/queue.js';
import { lambdaContext } from '#local/lambda.js';
import { sqsDeadLetterQueue } from '#shared/adapters/aws/sqs-queue.js';
import { CLOUD_PATHS } from '#shared/adapters/cloud/contract.js';
import { DomainError } from '#shared/domain/errors.js';
import { until, FAST_WRITEBACK } from '../support/wait.js';

const HZ = ORGS[0]!;

describe('GET /dead-letters and POST /dead-letters/{queue}/redrive (local stack)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startWritebackHarness({ stack: FAST_WRITEBACK });
  });
  afterAll(() => h.stop());

  const redriveAfterDelete =
    'a write-back redrive after the bill was deleted: the old saved is skipped and logged';
  it(redriveAfterDelete, async () => {
    const [first, second] = [serials(h).slice(0, 2), serials(h).slice(2, 4)];
    const saveCalls = () => h.sim.calls.filter((c) => c.path === CLOUD_PATHS.billSave);
    const billCalls = () => h.sim.calls.filter((c) => STEP_OF[c.path]);
    await postBillEvent(h, billEvent(h, { billId: 'B-R', serialNos: first }));
    await h.stack.settle();
    expect(h.sim.bill(HZ.taxNo, 'B-R')).toBeDefined();

    // The cloud is down while the second save comes: it fails its 5 receives and is dead-lettered.
    h.sim.setFaults({ outageTaxNos: [HZ.taxNo] });
    const old = await postBillEvent(h, billEvent(h, { billId: 'B-R', serialNos: second }));
    await until('the save in the DLQ', () => h.stack.queues.writeback.dead.length === 1);
    h.sim.setFaults({});
    expect((await h.api('GET', '/dead-letters')).body.items).toContainEqual({
      queue: 'writeback',
      messages: 1,
    });

    // The bill is deleted afterwards (its group is free again once the save left it).
    await postBillEvent(h, billEvent(h, { billId: 'B-R', type: 'deleted', serialNos: [] }));
    await h.stack.settle();
    expect(h.sim.bill(HZ.taxNo, 'B-R')).toBeUndefined();
    const callsBefore = billCalls().length;
    const okSaves = saveCalls().filter((c) => c.code === '0000').length;

    const res = await h.api('POST', '/dead-letters/writeback/redrive');
    expect(res).toEqual({
      status: 202,
      body: { queue: 'writeback', taskHandle: expect.any(String) },
    });
    await h.stack.settle();
    await until('the redriven save logged', async () =>
      (await billLogs(h, 'B-R')).some((l) => l.eventId === old && l.outcome === 'skipped'),
    );

    // The cloud saw nothing of the old event; the bill stays deleted; the DLQ is empty.
    expect(billCalls()).toHaveLength(callsBefore);
    expect(saveCalls().filter((c) => c.code === '0000')).toHaveLength(okSaves);
    expect(h.sim.bill(HZ.taxNo, 'B-R')).toBeUndefined();
    const skipped = (await billLogs(h, 'B-R')).filter(
      (l) => l.eventId === old && l.outcome === 'skipped',
    );
    expect(skipped.map((l) => l.response.message)).toEqual([expect.stringMatching(/deleted/)]);
    expect(h.stack.queues.writeback.dead).toHaveLength(0);
    expect((await h.api('GET', '/dead-letters')).body.items).toContainEqual({
      queue: 'writeback',
      messages: 0,
    });
  });

  const countsAndMovesBack =
    'counts every DLQ; a redrive moves a DLQ back whole and the message is delivered again';
  it(countsAndMovesBack, async () => {
    const junk = { junk: true } as never;
    await h.stack.queues.callbacks.send(junk);
    await h.stack.queues.callbacks.send(junk);
    await until('two callbacks dead', () => h.stack.queues.callbacks.dead.length === 2);
    const list = await h.api('GET', '/dead-letters');
    expect(list).toEqual({
      status: 200,
      body: {
        items: [
          { queue: 'sync', messages: 0 },
          { queue: 'writeback', messages: 0 },
          { queue: 'callbacks', messages: 2 },
        ],
      },
    });

    const res = await h.api('POST', '/dead-letters/callbacks/redrive');
    expect(res.status).toBe(202);
    // Moved back at once: the DLQ is empty while the messages are retried (8 receives again).
    expect((await h.api('GET', '/dead-letters')).body.items[2]).toEqual({
      queue: 'callbacks',
      messages: 0,
    });
    await until('both dead again', () => h.stack.queues.callbacks.dead.length === 2);
    expect(h.stack.queues.callbacks.dead.map((m) => [m.body, m.receives])).toEqual([
      [JSON.stringify(junk), 8],
      [JSON.stringify(junk), 8],
    ]);
  });

  const badQueueAndRoles =
    'an unknown queue is a 400 naming the field; only an operator may list or redrive';
  it(badQueueAndRoles, async () => {
    const bad = await h.api('POST', '/dead-letters/billing/redrive');
    expect([bad.status, bad.body.error.details]).toEqual([
      400,
      [{ path: 'queue', message: 'one of sync, writeback, callbacks' }],
    ]);
    for (const [method, path] of [
      ['GET', '/dead-letters'],
      ['POST', '/dead-letters/sync/redrive'],
    ] as const)
      expect((await h.api(method, path, undefined, h.expense)).status).toBe(403);
  });
});

describe('the local queue as an SQS DLQ', () => {
  it('a FIFO redrive moves every message with its body and group, oldest first', async () => {
    let failing = true;
    const seen: { body: string; group?: string; receives?: string }[] = [];
    const q = new LocalQueue<{ n: number }>('w.fifo', {
      fifo: true,
      maxReceives: 2,
      visibilityMs: 1,
      context: () => lambdaContext('bill-writeback'),
    });
    q.consumer = async (e: SQSEvent) => {
      if (failing)
        return { batchItemFailures: e.Records.map((r) => ({ itemIdentifier: r.messageId })) };
      for (const r of e.Records)
        seen.push({
          body: r.body,
          group: r.attributes.MessageGroupId,
          receives: r.attributes.ApproximateReceiveCount,
        });
      return { batchItemFailures: [] };
    };
    await q.send({ n: 1 }, { groupId: 'g1', dedupId: 'd1' });
    await q.send({ n: 2 }, { groupId: 'g2', dedupId: 'd2' });
    await q.send({ n: 3 }, { groupId: 'g1', dedupId: 'd3' });
    await until('three dead', () => q.dead.length === 3, 5000);
    const dlq = q.deadLetters();
    expect(await dlq.depth()).toBe(3);
    failing = false;
    const handle = await dlq.redrive();
    expect(handle).toEqual(expect.any(String));
    expect(await dlq.depth()).toBe(0);
    await q.drain();
    // Group g1 keeps its order (1 before 3).
    expect(seen.filter((m) => m.group === 'g1').map((m) => m.body)).toEqual(['{"n":1}', '{"n":3}']);
    // Moved within the FIFO de-duplication window, yet none is dropped; each is a new message.
    expect(seen.sort((a, b) => a.body.localeCompare(b.body))).toEqual([
      { body: '{"n":1}', group: 'g1', receives: '1' },
      { body: '{"n":2}', group: 'g2', receives: '1' },
      { body: '{"n":3}', group: 'g1', receives: '1' },
    ]);
  });
});

describe('the SQS dead-letter adapter (aws-sdk-client-mock)', () => {
  const ref = {
    dlqUrl: 'https://sqs.cn-north-1.amazonaws.com.cn/111122223333/writeback-dlq.fifo',
    dlqArn: 'arn:aws-cn:sqs:cn-north-1:111122223333:writeback-dlq.fifo',
    sourceArn: 'arn:aws-cn:sqs:cn-north-1:111122223333:writeback.fifo',
  };
  const sqs = mockClient(SQSClient);
  afterEach(() => sqs.reset());

  it('depth is GetQueueAttributes ApproximateNumberOfMessages of the DLQ', async () => {
    sqs
      .on(GetQueueAttributesCommand)
      .resolves({ Attributes: { ApproximateNumberOfMessages: '7' } });
    expect(await sqsDeadLetterQueue(new SQSClient({}), ref).depth()).toBe(7);
    expect(sqs).toHaveReceivedCommandTimes(GetQueueAttributesCommand, 1);
    expect(sqs).toHaveReceivedCommandWith(GetQueueAttributesCommand, {
      QueueUrl: ref.dlqUrl,
      AttributeNames: ['ApproximateNumberOfMessages'],
    });
  });

  it('redrive is StartMessageMoveTask from the DLQ to its source queue', async () => {
    sqs.on(StartMessageMoveTaskCommand).resolves({ TaskHandle: 'task-1' });
    expect(await sqsDeadLetterQueue(new SQSClient({}), ref).redrive()).toBe('task-1');
    const calls = sqs.commandCalls(StartMessageMoveTaskCommand);
    expect(calls.map((c) => c.args[0].input)).toEqual([
      { SourceArn: ref.dlqArn, DestinationArn: ref.sourceArn },
    ]);
  });

  it('a move task already running is a 409, not a 500', async () => {
    const running = Object.assign(new Error('There is already a task running.'), {
      name: 'UnsupportedOperation',
    });
    sqs.on(StartMessageMoveTaskCommand).rejects(running);
    const e = await sqsDeadLetterQueue(new SQSClient({}), ref)
      .redrive()
      .catch((x: unknown) => x);
    expect(e).toBeInstanceOf(DomainError);
    expect((e as DomainError).status).toBe(409);
  });
});
