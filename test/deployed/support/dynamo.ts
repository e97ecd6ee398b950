/**
 * DynamoDB for the deployed functions: the data stack's tables created in DynamoDB Local from the
 * template itself, and a recording proxy in front of it that authorizes every request against the
 * calling function's grants (AccessDeniedException as AWS answers it) before forwarding it raw.
 */
import { request as httpRequest, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  CreateTableCommand,
  DeleteTableCommand,
  DynamoDBClient,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import { accessDenied, dynamoAccess, type Ledger } from './iam.js';
import { REGION, type Resolver } from './intrinsics.js';
import { CREDENTIALS } from './invoke.js';
import { readBody } from './stand-ins.js';

/** As the functions call it: DynamoDB Local keeps separate tables per access key and region. */
const client = (endpoint: string) =>
  new DynamoDBClient({ endpoint, region: REGION, credentials: CREDENTIALS });

/** Create every `AWS::DynamoDB::Table` of the templates under its physical name; the names. */
export const createTemplateTables = async (endpoint: string, r: Resolver): Promise<string[]> => {
  const db = client(endpoint);
  const names: string[] = [];
  for (const [stack, t] of Object.entries(r.stacks))
    for (const [id, res] of Object.entries(t.Resources)) {
      if (res.Type !== 'AWS::DynamoDB::Table') continue;
      const p = r.resolve(stack, res.Properties ?? {});
      const TableName = r.of(stack, id).name;
      const indexes = (p.GlobalSecondaryIndexes ?? []) as any[];
      await db.send(
        new CreateTableCommand({
          TableName,
          BillingMode: 'PAY_PER_REQUEST',
          KeySchema: p.KeySchema,
          AttributeDefinitions: p.AttributeDefinitions,
          ...(indexes.length
            ? {
                GlobalSecondaryIndexes: indexes.map((ix) => ({
                  IndexName: ix.IndexName,
                  KeySchema: ix.KeySchema,
                  Projection: ix.Projection,
                })),
              }
            : {}),
        }),
      );
      const ttl = p.TimeToLiveSpecification as { AttributeName: string; Enabled: boolean };
      if (ttl?.Enabled)
        await db.send(
          new UpdateTimeToLiveCommand({
            TableName,
            TimeToLiveSpecification: { AttributeName: ttl.AttributeName, Enabled: true },
          }),
        );
      names.push(TableName);
    }
  db.destroy();
  return names;
};

export const deleteTables = async (endpoint: string, names: string[]): Promise<void> => {
  const db = client(endpoint);
  await Promise.allSettled(names.map((n) => db.send(new DeleteTableCommand({ TableName: n }))));
  db.destroy();
};

export interface DynamoProxy {
  url: string;
  stop(): Promise<void>;
}

/** A proxy to DynamoDB Local at `target` that records and authorizes each request. */
export const startDynamoProxy = async (target: string, ledger: Ledger): Promise<DynamoProxy> => {
  const to = new URL(target);
  const server = createServer((req, res) => {
    void (async () => {
      const raw = await readBody(req);
      const op = String(req.headers['x-amz-target'] ?? '').split('.')[1] ?? '(none)';
      let body: any;
      try {
        body = JSON.parse(raw.toString('utf8'));
      } catch {
        body = undefined;
      }
      const denied = ledger.authorize('dynamodb', op, dynamoAccess(op, body), body);
      if (denied.length) {
        res.writeHead(400, { 'content-type': 'application/x-amz-json-1.0' });
        res.end(JSON.stringify(accessDenied(ledger.fn, denied)));
        return;
      }
      const headers = { ...req.headers, host: to.host };
      const fwd = httpRequest(
        { host: to.hostname, port: to.port, path: req.url, method: req.method, headers },
        (up) => {
          res.writeHead(up.statusCode ?? 502, up.headers);
          up.pipe(res);
        },
      );
      fwd.on('error', (e) => {
        res.writeHead(502, { 'content-type': 'text/plain' });
        res.end(`proxy: ${e.message}`);
      });
      fwd.end(raw);
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    stop: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
};
