import type { SQSClient } from '@aws-sdk/client-sqs';
import type { Queue } from '../ports.js';

type ClientSource = SQSClient | (() => Promise<SQSClient>);

/**
 * A queue port over SQS: JSON bodies; FIFO group and de-duplication ids when given. The SDK module
 * is loaded on first send, so functions that never send do not pay for it at cold start.
 */
export const sqsQueue = <T>(client: ClientSource, queueUrl: string): Queue<T> => ({
  async send(message, opts = {}) {
    const { SendMessageCommand } = await import('@aws-sdk/client-sqs');
    const c = typeof client === 'function' ? await client() : client;
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
