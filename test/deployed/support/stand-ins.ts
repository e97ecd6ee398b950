/**
 * Loopback stand-ins for SQS and Secrets Manager speaking the AWS JSON protocol (`X-Amz-Target`),
 * one server for both. Each request is authorized against the calling function's grants (a denied
 * call gets AWS's 400 AccessDeniedException) and recorded in the ledger.
 */
import { createHash, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { accessDenied, secretIdArn, type Ledger } from './iam.js';

export interface QueueInfo {
  name: string;
  arn: string;
  fifo: boolean;
  contentBasedDedup: boolean;
}
export interface SentMessage {
  fn: string;
  queue: string;
  body: string;
  groupId?: string;
  dedupId?: string;
  delaySeconds?: number;
}
export interface StandIns {
  url: string;
  queues: Map<string, QueueInfo>;
  secrets: Map<string, string>;
  messages: SentMessage[];
  stop(): Promise<void>;
}

export const readBody = (req: IncomingMessage): Promise<Buffer> =>
  new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    req.on('data', (b: Buffer) => parts.push(b));
    req.on('end', () => resolve(Buffer.concat(parts)));
    req.on('error', reject);
  });

const md5 = (b: Buffer | string) => createHash('md5').update(b).digest('hex');

/** MD5OfMessageAttributes as SQS computes it (the SDK checks it). */
const attributesMd5 = (attrs: Record<string, any>): string => {
  const field = (b: Buffer) => {
    const n = Buffer.alloc(4);
    n.writeUInt32BE(b.length);
    return Buffer.concat([n, b]);
  };
  const parts = Object.keys(attrs)
    .sort()
    .flatMap((name) => {
      const a = attrs[name] as { DataType: string; StringValue?: string; BinaryValue?: string };
      const head = [field(Buffer.from(name)), field(Buffer.from(a.DataType))];
      return a.BinaryValue !== undefined
        ? [...head, Buffer.from([2]), field(Buffer.from(a.BinaryValue, 'base64'))]
        : [...head, Buffer.from([1]), field(Buffer.from(a.StringValue ?? ''))];
    });
  return md5(Buffer.concat(parts));
};

class AwsError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

/** Secret name from a name or an ARN (`…:secret:<name>-XXXXXX`). */
const secretName = (id: string) =>
  id.startsWith('arn:') ? id.slice(id.indexOf(':secret:') + 8).replace(/-[A-Za-z0-9]{6}$/, '') : id;

/** Start the stand-ins; queues are added to `queues` once the templates are resolved on `url`. */
export const startStandIns = async (ledger: Ledger): Promise<StandIns> => {
  const byName = new Map<string, QueueInfo>();
  const secrets = new Map<string, string>();
  const messages: SentMessage[] = [];

  const deny = (service: 'sqs' | 'secretsmanager', op: string, resource: string, body: unknown) => {
    const access = { action: `${service}:${op}`, resource };
    const denied = ledger.authorize(service, op, [access], body);
    if (denied.length) {
      const e = accessDenied(ledger.fn, denied);
      throw new AwsError(e.__type, e.message);
    }
  };

  const send = (op: string, b: any) => {
    const queue = byName.get(String(b.QueueUrl).split('/').pop() ?? '');
    const arn = queue?.arn ?? `arn:aws:sqs:us-east-1:123456789012:${String(b.QueueUrl)}`;
    const entries = (op === 'SendMessageBatch' ? b.Entries : [b]) as any[];
    deny('sqs', 'SendMessage', arn, b);
    if (!queue) throw new AwsError('QueueDoesNotExist', 'The specified queue does not exist.');
    return entries.map((m) => {
      const bad = (what: string) => {
        throw new AwsError('InvalidParameterValue', `${what} (queue ${queue.name})`);
      };
      if (queue.fifo && !m.MessageGroupId) bad('MessageGroupId is required for FIFO queues');
      if (queue.fifo && !m.MessageDeduplicationId && !queue.contentBasedDedup)
        bad('MessageDeduplicationId is required: the queue has no content-based deduplication');
      if (queue.fifo && m.DelaySeconds !== undefined)
        bad('DelaySeconds: per-message delays are not valid for FIFO queues');
      messages.push({ fn: ledger.fn, queue: queue.name, body: m.MessageBody, ...pick(m) });
      return {
        ...(m.Id ? { Id: m.Id } : {}),
        MessageId: randomUUID(),
        MD5OfMessageBody: md5(String(m.MessageBody)),
        ...(m.MessageAttributes
          ? { MD5OfMessageAttributes: attributesMd5(m.MessageAttributes) }
          : {}),
        ...(queue.fifo ? { SequenceNumber: String(Date.now()) + '0000000' } : {}),
      };
    });
  };

  const queueByUrl = (url: unknown) => byName.get(String(url).split('/').pop() ?? '');
  const queueByArn = (arn: unknown) => [...byName.values()].find((q) => q.arn === arn);

  /** `ApproximateNumberOfMessages`: what was sent to the queue here (nothing is consumed). */
  const attributes = (b: any) => {
    const queue = queueByUrl(b.QueueUrl);
    deny('sqs', 'GetQueueAttributes', queue?.arn ?? String(b.QueueUrl), b);
    if (!queue) throw new AwsError('QueueDoesNotExist', 'The specified queue does not exist.');
    const n = messages.filter((m) => m.queue === queue.name).length;
    return { Attributes: { ApproximateNumberOfMessages: String(n) } };
  };

  /**
   * A DLQ redrive: the caller needs the move task and what SQS does for it on the source (receive,
   * delete, read attributes) and `SendMessage` on the destination; both queues of one type.
   */
  const moveTask = (b: any) => {
    const source = queueByArn(b.SourceArn);
    const dest = b.DestinationArn === undefined ? undefined : queueByArn(b.DestinationArn);
    const onSource = ['StartMessageMoveTask', 'ReceiveMessage', 'DeleteMessage'];
    const accesses = [
      ...[...onSource, 'GetQueueAttributes'].map((op) => ({
        action: `sqs:${op}`,
        resource: String(b.SourceArn),
      })),
      ...(b.DestinationArn
        ? [{ action: 'sqs:SendMessage', resource: String(b.DestinationArn) }]
        : []),
    ];
    const denied = ledger.authorize('sqs', 'StartMessageMoveTask', accesses, b);
    if (denied.length) {
      const e = accessDenied(ledger.fn, denied);
      throw new AwsError(e.__type, e.message);
    }
    if (!source || (b.DestinationArn && !dest))
      throw new AwsError('ResourceNotFoundException', 'One or more resources do not exist.');
    if (dest && dest.fifo !== source.fifo)
      throw new AwsError('InvalidParameterValue', 'source and destination differ in type');
    return { TaskHandle: Buffer.from(JSON.stringify({ source: source.arn })).toString('base64') };
  };

  const secret = (op: string, b: any) => {
    const id = String(op === 'CreateSecret' ? b.Name : b.SecretId);
    const name = secretName(id);
    const arn = op === 'CreateSecret' ? secretIdArn(name) : secretIdArn(id);
    deny('secretsmanager', op, arn, op === 'GetSecretValue' ? b : { ...b, SecretString: '***' });
    const version = { ARN: secretIdArn(name), Name: name, VersionId: randomUUID() };
    if (op === 'CreateSecret') {
      if (secrets.has(name))
        throw new AwsError('ResourceExistsException', `The secret ${name} already exists.`);
      secrets.set(name, String(b.SecretString));
      return version;
    }
    if (!secrets.has(name))
      throw new AwsError('ResourceNotFoundException', "Secrets Manager can't find the secret.");
    if (op === 'PutSecretValue') {
      secrets.set(name, String(b.SecretString));
      return { ...version, VersionStages: ['AWSCURRENT'] };
    }
    if (op === 'GetSecretValue')
      return { ...version, SecretString: secrets.get(name), VersionStages: ['AWSCURRENT'] };
    throw new AwsError('InvalidRequestException', `stand-in: ${op} is not supported`);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const raw = await readBody(req);
    const [service = '', op = ''] = String(req.headers['x-amz-target'] ?? '').split('.');
    const type = String(req.headers['content-type'] ?? 'application/x-amz-json-1.0');
    const reply = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': type, 'x-amzn-requestid': randomUUID() });
      res.end(JSON.stringify(body));
    };
    try {
      const b = raw.length ? JSON.parse(raw.toString('utf8')) : {};
      if (service === 'AmazonSQS' && op === 'SendMessage') return reply(200, send(op, b)[0]);
      if (service === 'AmazonSQS' && op === 'SendMessageBatch')
        return reply(200, { Successful: send(op, b), Failed: [] });
      if (service === 'AmazonSQS' && op === 'GetQueueAttributes') return reply(200, attributes(b));
      if (service === 'AmazonSQS' && op === 'StartMessageMoveTask') return reply(200, moveTask(b));
      if (service === 'secretsmanager') return reply(200, secret(op, b));
      deny(service === 'AmazonSQS' ? 'sqs' : 'secretsmanager', op, '*', b);
      throw new AwsError('InvalidAction', `stand-in: ${service}.${op} is not supported`);
    } catch (e) {
      if (e instanceof AwsError) return reply(e.status, { __type: e.type, message: e.message });
      reply(500, { __type: 'InternalFailure', message: (e as Error).message });
    }
  };

  const server = createServer((req, res) => void handle(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    queues: byName,
    secrets,
    messages,
    stop: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
};

const pick = (m: any): Pick<SentMessage, 'groupId' | 'dedupId' | 'delaySeconds'> => ({
  ...(m.MessageGroupId ? { groupId: String(m.MessageGroupId) } : {}),
  ...(m.MessageDeduplicationId ? { dedupId: String(m.MessageDeduplicationId) } : {}),
  ...(m.DelaySeconds !== undefined ? { delaySeconds: Number(m.DelaySeconds) } : {}),
});
