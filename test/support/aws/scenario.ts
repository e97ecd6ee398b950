/**
 * Shared parts of the AWS-behaviour reliability suite (R7): the queues' real visibility timeouts,
 * an AWS-like queue mode per queue, a single-delivery reference run, whole-table snapshots and the
 * callback / write-back tallies its assertions compare.
 */
import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { FUNCTIONS } from '#functions/catalog.js';
import { localClientConfig } from '#local/dynamo-local.js';
import type { AwsLikeMode, ManualClock } from '#local/queue.js';
import { buildLocalStack, type LocalStackOptions } from '#local/stack.js';
import type { Harness } from '../harness.js';
import { CLOUD_PATHS } from '#shared/adapters/cloud/contract.js';

/**
 * Each queue's visibility timeout as deployed: 6 × its consumer's timeout
 * (infra/stateful-stack.ts).
 */
export const VISIBILITY_MS = {
  sync: 6 * FUNCTIONS['sync-worker'].timeout * 1000,
  writeback: 6 * FUNCTIONS['bill-writeback'].timeout * 1000,
  callbacks: 6 * FUNCTIONS['callback-sender'].timeout * 1000,
} as const;

/**
 * Every send delivered twice at once and, once processed, once more after the visibility timeout.
 */
export const awsMode = (
  clock: ManualClock,
  queue: keyof typeof VISIBILITY_MS,
  o: { duplicate?: boolean; redeliver?: boolean } = {},
): AwsLikeMode => ({
  clock,
  visibilityTimeoutMs: VISIBILITY_MS[queue],
  ...(o.duplicate ? { duplicate: () => true } : {}),
  ...(o.redeliver ? { redeliver: () => true } : {}),
});

type Api = Harness['api'];

/** The harness's `api` shape over any local stack. */
const apiOf =
  (stack: { http: Harness['stack']['http'] }, token: string): Api =>
  async (method, path, body, tok = token) => {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (tok) headers.authorization = `Bearer ${tok}`;
    const r = await stack.http(
      method,
      path,
      headers,
      body === undefined ? '' : JSON.stringify(body),
    );
    return { status: r.status, body: r.body ? JSON.parse(r.body) : undefined };
  };

/**
 * A second product on the same simulator with the default queues (one delivery each): the
 * reference a duplicated run must equal.
 */
export const referenceStack = async (
  h: Harness,
  org: { orgId: string; orgName: string; taxNo: string; clientId: string; clientSecret: string },
  stack: Partial<LocalStackOptions> = {},
) => {
  const ref = await buildLocalStack({
    dynamoEndpoint: process.env.DYNAMO_ENDPOINT!,
    cloudUrl: h.sim.url,
    retry: { baseDelayMs: 5, maxDelayMs: 50, budgetMs: 5000, timeoutMs: 2000 },
    ...stack,
  });
  const api = apiOf(ref, ref.token({ sub: 'op-ref', roles: ['operator'] }));
  const { orgId, orgName, taxNo, clientId, clientSecret } = org;
  const res = await api('PUT', `/orgs/${orgId}`, { orgName, taxNo, clientId, clientSecret });
  if (res.status >= 300) throw new Error(`reference org: ${JSON.stringify(res.body)}`);
  return { stack: ref, api };
};

/**
 * Attributes that carry the time of a write (and the index keys built from it): they differ
 * between two runs by design.
 */
const TIME = /At$|^gsi\d+(pk|sk)$/;

/**
 * Every item of a table, keyed `pk|sk`, as sorted JSON without the attributes `drop` names (two
 * runs write at different times; every other attribute must match).
 */
export const scanItems = async (
  endpoint: string,
  table: string,
  drop: (attribute: string) => boolean,
): Promise<Map<string, string>> => {
  const c = new DynamoDBClient(localClientConfig(endpoint));
  const out = new Map<string, string>();
  let start: Record<string, any> | undefined;
  do {
    const page = await c.send(new ScanCommand({ TableName: table, ExclusiveStartKey: start }));
    for (const raw of page.Items ?? []) {
      const item = unmarshall(raw);
      const kept = Object.keys(item)
        .filter((k) => !drop(k))
        .sort()
        .map((k) => [k, item[k]]);
      out.set(`${item.pk}|${item.sk}`, JSON.stringify(kept));
    }
    start = page.LastEvaluatedKey;
  } while (start);
  c.destroy();
  return out;
};

/** Every item of a table, written-time attributes and index keys dropped (see `scanItems`). */
export const snapshot = (table: string): Promise<Map<string, string>> =>
  scanItems(process.env.DYNAMO_ENDPOINT!, table, (k) => TIME.test(k));

/** Keys missing from `got`, extra in it, and present in both with other content. */
export const diff = (want: Map<string, string>, got: Map<string, string>) => ({
  lost: [...want.keys()].filter((k) => !got.has(k)).length,
  extra: [...got.keys()].filter((k) => !want.has(k)).length,
  differing: [...want.keys()].filter((k) => got.has(k) && got.get(k) !== want.get(k)).length,
});

const STEP_OF: Record<string, string> = {
  [CLOUD_PATHS.billSave]: 'save',
  [CLOUD_PATHS.billStatus]: 'status',
  [CLOUD_PATHS.billDelete]: 'delete',
};
/**
 * Effective (code 0000) write-back calls of one bill, in order: `save`, `status` (a use-status
 * update, releases included), `delete`.
 */
export const billSteps = (h: Harness, billId: string) =>
  h.sim.calls
    .filter(
      (c) =>
        STEP_OF[c.path] && c.code === '0000' && (c.body as { bxd_key?: string }).bxd_key === billId,
    )
    .map((c) => STEP_OF[c.path]);

/** Received callbacks grouped by webhook id: statuses in arrival order. */
export const byWebhookId = (received: { headers: Record<string, string>; status: number }[]) => {
  const m = new Map<string, number[]>();
  for (const r of received) {
    const id = r.headers['webhook-id'] ?? '(none)';
    m.set(id, [...(m.get(id) ?? []), r.status]);
  }
  return m;
};
