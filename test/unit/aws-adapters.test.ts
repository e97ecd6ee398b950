import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import {
  CreateSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { sqsQueue } from '#shared/adapters/aws/sqs-queue.js';
import { secretsManager } from '#shared/adapters/aws/secrets-manager.js';

const notFound = () => new ResourceNotFoundException({ message: 'no such secret', $metadata: {} });

describe('SQS queue adapter (no SQS emulator here: aws-sdk-client-mock)', () => {
  it('sends the JSON body with FIFO group and de-duplication ids', async () => {
    const sqs = mockClient(SQSClient);
    sqs.on(SendMessageCommand).resolves({ MessageId: 'm1' });
    await sqsQueue(new SQSClient({ region: 'local' }), 'https://sqs.local/q.fifo').send(
      { runId: 'r1' },
      { groupId: 'bill-1', dedupId: 'evt-1' },
    );
    expect(sqs).toHaveReceivedCommandTimes(SendMessageCommand, 1);
    expect(sqs).toHaveReceivedCommandWith(SendMessageCommand, {
      QueueUrl: 'https://sqs.local/q.fifo',
      MessageBody: '{"runId":"r1"}',
      MessageGroupId: 'bill-1',
      MessageDeduplicationId: 'evt-1',
    });
    sqs.restore();
  });
});

describe('Secrets Manager adapter', () => {
  it('reads under the prefix, caches, and treats a missing secret as undefined', async () => {
    const sm = mockClient(SecretsManagerClient);
    sm.on(GetSecretValueCommand, { SecretId: 'stack/org/hz/client-secret' }).resolves({
      SecretString: 's3cret',
    });
    sm.on(GetSecretValueCommand, { SecretId: 'stack/org/none/client-secret' }).rejects(notFound());
    const secrets = secretsManager(new SecretsManagerClient({ region: 'local' }), 'stack/');
    expect(await secrets.get('org/hz/client-secret')).toBe('s3cret');
    expect(await secrets.get('org/hz/client-secret')).toBe('s3cret');
    expect(await secrets.get('org/none/client-secret')).toBeUndefined();
    expect(sm).toHaveReceivedCommandTimes(GetSecretValueCommand, 2);
    sm.restore();
  });

  it('puts a new value, creating the secret the first time', async () => {
    const sm = mockClient(SecretsManagerClient);
    sm.on(PutSecretValueCommand).rejectsOnce(notFound()).resolves({});
    sm.on(CreateSecretCommand).resolves({});
    const secrets = secretsManager(new SecretsManagerClient({ region: 'local' }), 'stack/');
    await secrets.put('system/s1/signing-secret', 'whsec_x');
    expect(sm).toHaveReceivedCommandWith(PutSecretValueCommand, {
      SecretId: 'stack/system/s1/signing-secret',
      SecretString: 'whsec_x',
    });
    expect(sm).toHaveReceivedCommandWith(CreateSecretCommand, {
      Name: 'stack/system/s1/signing-secret',
      SecretString: 'whsec_x',
    });
    sm.restore();
  });
});
