import type { SQSClient } from '@aws-sdk/client-sqs';
import { Conflict } from '../../domain/errors.js';
import type { DeadLetterQueue, Queue } from '../../ports.js';

type ClientSource = SQSClient | (() => Promise<SQSClient>);
const clientOf = async (client: ClientSource): Promise<SQSClient> =>
  typeof client === 'function' ? await client() : client;

/**
 * A queue port over SQS: JSON bodies; FIFO group and de-duplication ids when given. The SDK module
 * is loaded on first send, so functions that never send do not pay for it at cold start.
 */
export const sqsQueue = <T>(client: ClientSource, queueUrl: string): Queue<T> => ({
  async send(message, opts = {}) {
    const { SendMessageCommand } = await import('@aws-sdk/client-sqs');
    const c = await clientOf(client);
    await c.send(
      new SendMessageCommand({
        QueueUrl: queueUrl,
        MessageBody: JSON.stringify(message),
        MessageGroupId: opts.groupId,
        MessageDeduplicationId: opts.dedupId,
        DelaySeconds: opts.delaySeconds,
      }),
    );
  },
});

/** Where a DLQ is and where its messages go back to. */
export interface DeadLetterQueueRef {
  /** The DLQ's URL (for `GetQueueAttributes`). */
  dlqUrl: string;
  /** The DLQ's ARN: the move task's source. */
  dlqArn: string;
  /** The source queue's ARN: the move task's destination. */
  sourceArn: string;
}

/**
 * A DLQ over SQS. Its depth is `ApproximateNumberOfMessages`; a redrive is one
 * `StartMessageMoveTask` from the DLQ to the named source queue (standard and FIFO queues alike;
 * the caller needs `sqs:StartMessageMoveTask`, `ReceiveMessage`, `DeleteMessage` and
 * `GetQueueAttributes` on the DLQ and `SendMessage` on the source queue). SQS moves the messages
 * asynchronously, oldest first, as new messages with their bodies, attributes and FIFO groups.
 */
export const sqsDeadLetterQueue = (
  client: ClientSource,
  ref: DeadLetterQueueRef,
): DeadLetterQueue => ({
  async depth() {
    const { GetQueueAttributesCommand } = await import('@aws-sdk/client-sqs');
    const res = await (
      await clientOf(client)
    ).send(
      new GetQueueAttributesCommand({
        QueueUrl: ref.dlqUrl,
        AttributeNames: ['ApproximateNumberOfMessages'],
      }),
    );
    return Number(res.Attributes?.ApproximateNumberOfMessages ?? 0);
  },
  async redrive() {
    const { StartMessageMoveTaskCommand } = await import('@aws-sdk/client-sqs');
    const c = await clientOf(client);
    const command = new StartMessageMoveTaskCommand({
      SourceArn: ref.dlqArn,
      DestinationArn: ref.sourceArn,
    });
    try {
      const res = await c.send(command);
      if (!res.TaskHandle) throw new Error(`SQS started no move task for ${ref.dlqArn}`);
      return res.TaskHandle;
    } catch (e) {
      // SQS runs one move task per queue at a time: a second start is refused.
      if ((e as Error).name === 'UnsupportedOperation')
        throw new Conflict(`queue: a redrive of this DLQ cannot start: ${(e as Error).message}`);
      throw e;
    }
  },
});
