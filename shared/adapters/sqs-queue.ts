import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { Queue } from '../ports.js';

/** A queue port over SQS: JSON bodies; FIFO group and de-duplication ids when given. */
export const sqsQueue = <T>(client: SQSClient, queueUrl: string): Queue<T> => ({
  async send(message, opts = {}) {
    await client.send(
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
