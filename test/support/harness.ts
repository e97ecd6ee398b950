/**
 * A product on the real local parts: DynamoDB Local (shared per run), the simulator on loopback,
 * local queues.
 */
import { startSimulator, type SimOrgSpec, type Simulator } from '#simulator/invoice-cloud.js';
import type { PushOptions } from '#simulator/push.js';
import { buildLocalStack, type LocalStack, type LocalStackOptions } from '#local/stack.js';

export const ORGS: SimOrgSpec[] = [
  {
    taxNo: '91330100MA27XK1234',
    orgName: '杭州示例科技有限公司',
    clientId: 'client-hz',
    clientSecret: 'secret-hz',
    input: 60,
    output: 20,
    phones: ['13800138000', '13900139000'],
  },
  {
    taxNo: '91310000MA1FL5678X',
    orgName: '上海示例贸易有限公司',
    clientId: 'client-sh',
    clientSecret: 'secret-sh',
    input: 40,
    output: 10,
    phones: ['13700137000'],
  },
];
export const ORG_IDS = ['hz', 'sh'];

export interface Harness {
  sim: Simulator;
  stack: LocalStack;
  operator: string;
  expense: string;
  /** The invoice cloud's token for org hz (`POST /invoices/push`, `POST /billing/results`). */
  cloud: string;
  api(
    method: string,
    path: string,
    body?: unknown,
    token?: string | null,
  ): Promise<{ status: number; body: any }>;
  stop(): Promise<void>;
}

export const startHarness = async (
  o: {
    orgs?: SimOrgSpec[];
    endDate?: string;
    days?: number;
    stack?: Partial<LocalStackOptions>;
    register?: boolean;
    tokenTtlSeconds?: number;
    /** The simulator's push channel (hold and redelivery times). */
    push?: Partial<PushOptions>;
  } = {},
): Promise<Harness> => {
  const endpoint = process.env.DYNAMO_ENDPOINT;
  if (!endpoint)
    throw new Error(
      'DYNAMO_ENDPOINT is not set: run through jest (global setup starts DynamoDB Local)',
    );
  const orgs = o.orgs ?? ORGS;
  const sim = await startSimulator({
    orgs,
    endDate: o.endDate ?? '2024-07-22',
    days: o.days ?? 10,
    ...(o.tokenTtlSeconds ? { tokenTtlSeconds: o.tokenTtlSeconds } : {}),
    ...(o.push ? { push: o.push } : {}),
  });
  const stack = await buildLocalStack({
    dynamoEndpoint: endpoint,
    cloudUrl: sim.url,
    retry: { baseDelayMs: 5, maxDelayMs: 50, budgetMs: 5000, timeoutMs: 2000 },
    ...o.stack,
  });
  const operator = stack.token({ sub: 'op-1', roles: ['operator'] });
  const expense = stack.token({ sub: 'user-1', orgId: 'hz', roles: ['expense'] });
  const cloud = stack.token({ sub: 'cloud-hz', orgId: 'hz', roles: ['cloud'] });
  const api: Harness['api'] = async (method, path, body, token = operator) => {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (token) headers.authorization = `Bearer ${token}`;
    const r = await stack.http(
      method,
      path,
      headers,
      body === undefined ? '' : typeof body === 'string' ? body : JSON.stringify(body),
    );
    return { status: r.status, body: r.body ? JSON.parse(r.body) : undefined };
  };
  if (o.register !== false) {
    for (const [i, org] of orgs.entries()) {
      const res = await api('PUT', `/orgs/${ORG_IDS[i] ?? `org${i}`}`, {
        orgName: org.orgName,
        taxNo: org.taxNo,
        clientId: org.clientId,
        clientSecret: org.clientSecret,
      });
      if (res.status >= 300) throw new Error(`registering org failed: ${JSON.stringify(res.body)}`);
    }
  }
  return {
    sim,
    stack,
    operator,
    expense,
    cloud,
    api,
    stop: async () => {
      await stack.settle();
      stack.close();
      await sim.stop();
    },
  };
};
