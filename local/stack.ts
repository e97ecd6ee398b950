/**
 * The embedded local stack: DynamoDB Local, the tables (same definitions as the CDK stack), the
 * product's handlers with local adapters, in-process queues and the HTTP API adapter. Used by
 * `npm start`, the demo and the integration tests.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { FUNCTIONS, type FunctionName } from '#functions/catalog.js';
import { DOCS_FUNCTION, PUBLIC_ROUTES, ROUTES, type RouteKey } from '#functions/routes.js';
import { makeHandler as bills } from '#functions/bills-api/app.js';
import { makeHandler as configApi } from '#functions/config-api/app.js';
import { makeHandler as opsApi } from '#functions/ops-api/app.js';
import { makeHandler as interaction } from '#functions/interaction-api/app.js';
import { makeHandler as invoicesApi } from '#functions/invoices-api/app.js';
import { makeHandler as syncApi } from '#functions/sync-api/app.js';
import { makeHandler as syncWorker } from '#functions/sync-worker/app.js';
import { makeHandler as dailySync } from '#functions/daily-sync/app.js';
import { makeHandler as syncRetry } from '#functions/sync-retry/app.js';
import { makeHandler as manualSync } from '#functions/manual-sync/app.js';
import { makeHandler as writeback } from '#functions/bill-writeback/app.js';
import { makeHandler as callbacks } from '#functions/callback-sender/app.js';
import { makeHandler as pushConsumer } from '#functions/push-consumer/app.js';
import { makeHandler as orderFetch } from '#functions/order-fetch/app.js';
import type { ScheduleOptions } from '#shared/use-cases/orders/schedule.js';
import type { PushBudget } from '#shared/use-cases/push-channel/budget.js';
import { createCloudClient, type RetryPolicy } from '#shared/adapters/cloud/client.js';
import type { CloudLimiter } from '#shared/adapters/cloud/limiter.js';
import { cloudLimiter } from '#functions/cloud-limiter.js';
import type { CloudLimits } from '#shared/adapters/cloud/rate-limit.js';
import { makeStores, type Deps } from '#shared/deps.js';
import { errorReply, MAX_BODY_BYTES } from '#shared/adapters/http/api.js';
import { BadRequest, DomainError, Forbidden, NotFound } from '#shared/domain/errors.js';
import { authSettingsFromEnv, createVerifier, signJwt } from '#shared/adapters/http/jwt.js';
import { noMetrics, type Metrics } from '#shared/ports.js';
import type { SyncMessage } from '#shared/domain/schemas/sync.js';
import type { SlicingOptions } from '#shared/use-cases/sync/slice-plan.js';
import type { WritebackMessage } from '#shared/domain/schemas/bills.js';
import type { CallbackMessage } from '#shared/domain/schemas/interaction.js';
import { MAX_RECEIVES } from '#functions/catalog.js';
import { createTables } from '#shared/adapters/dynamo/create-tables.js';
import { createDocClient } from '#shared/adapters/dynamo/dynamo.js';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { localTableNames, type TableNames } from '#shared/adapters/dynamo/tables.js';
import { localClientConfig } from './dynamo-local.js';
import { apiEvent, lambdaContext, matchRoute } from './lambda.js';
import { LocalQueue, type AwsLikeMode } from './queue.js';
import { localSecrets, withLocalOrgVault } from './secrets.js';

export const DEV_AUTH_SECRET = 'dev-only-secret-change-me';

export interface LocalStackOptions {
  dynamoEndpoint: string;
  cloudUrl: string;
  authSecret?: string;
  tablePrefix?: string;
  secretsFile?: string;
  /** Time budget of one local worker invocation (a small one forces continuations). */
  workerBudgetMs?: number;
  workerReserveMs?: number;
  pageSize?: number;
  /** When a full sync is cut into time slices (default: shared/use-cases/sync/slice-plan.ts). */
  syncSlicing?: SlicingOptions;
  retry?: Partial<RetryPolicy>;
  clock?: () => Date;
  writebackVisibilityMs?: number;
  /**
   * Waits between automatic callback attempts, seconds (local default: short, so a day fits in
   * minutes).
   */
  callbackRetryDelays?: number[];
  callbackTimeoutMs?: number;
  /**
   * Tests: the callback queue behaves as SQS does (duplicates, real visibility timeout, send
   * faults).
   */
  callbackQueueAws?: AwsLikeMode;
  /** Tests: the sync queue behaves as SQS does (as `callbackQueueAws`). */
  syncQueueAws?: AwsLikeMode;
  /** Tests: the write-back queue behaves as SQS FIFO does (as `callbackQueueAws`). */
  writebackQueueAws?: AwsLikeMode;
  /** The push consumer's time budget (tests: short holds and budgets). */
  pushBudget?: Partial<PushBudget>;
  /** Tests: the order-fetch schedule's concurrency and per-system policy (short timeouts). */
  orderFetch?: Partial<Omit<ScheduleOptions, 'remainingMs'>>;
  /** Tests: wrap the document client (fault injection, write counting). */
  wrapDb?: (db: DynamoDBDocumentClient) => DynamoDBDocumentClient;
  /** Tests: where the product's metrics go (default: nowhere). */
  metrics?: Metrics;
  /**
   * Rate limits toward the cloud on the local RateLimits table, as deployed (default: none, so
   * tests and the demo are not slowed); `cloudLimiter` replaces the limiter (tests: a fake).
   */
  cloudLimits?: CloudLimits;
  cloudLimiter?: CloudLimiter;
}

export const LOCAL_CALLBACK_DELAYS = [1, 2, 5, 10, 30, 60];

export const buildLocalStack = async (o: LocalStackOptions) => {
  const client = new DynamoDBClient(localClientConfig(o.dynamoEndpoint));
  const tables: TableNames = localTableNames(
    o.tablePrefix ?? `icb-${randomBytes(3).toString('hex')}`,
  );
  await createTables(client, tables);
  /** The one document client the stack's stores, vault and rate limiter share. */
  const db = createDocClient(localClientConfig(o.dynamoEndpoint));
  const authSecret = o.authSecret ?? DEV_AUTH_SECRET;
  const errors: unknown[] = [];
  const queueOpts = (fn: FunctionName, extra: object = {}) => ({
    context: () => lambdaContext(fn, fn === 'sync-worker' ? o.workerBudgetMs : undefined),
    onError: (e: unknown) => errors.push(e),
    ...extra,
  });
  const queues = {
    sync: new LocalQueue<SyncMessage>(
      'sync',
      queueOpts('sync-worker', {
        batchSize: 1,
        maxReceives: 5,
        visibilityMs: 500,
        aws: o.syncQueueAws,
      }),
    ),
    writeback: new LocalQueue<WritebackMessage>(
      'writeback.fifo',
      queueOpts('bill-writeback', {
        fifo: true,
        batchSize: 10,
        maxReceives: MAX_RECEIVES.writeback,
        visibilityMs: o.writebackVisibilityMs ?? 500,
        aws: o.writebackQueueAws,
      }),
    ),
    callbacks: new LocalQueue<CallbackMessage>(
      'callbacks',
      queueOpts('callback-sender', {
        batchSize: 10,
        maxReceives: MAX_RECEIVES.callbacks,
        aws: o.callbackQueueAws,
      }),
    ),
  };
  const secrets = withLocalOrgVault(localSecrets(o.secretsFile), db, tables.config);
  const limiter =
    o.cloudLimiter ?? (o.cloudLimits && cloudLimiter(db, tables.rateLimits, o.cloudLimits));
  const cloud = createCloudClient({
    baseUrl: o.cloudUrl,
    ...(o.retry ? { retry: o.retry } : {}),
    limiter,
  });
  const deps: Deps = {
    stores: makeStores((o.wrapDb ?? ((d) => d))(db), tables),
    cloud,
    secrets,
    queues,
    clock: o.clock ?? (() => new Date()),
    metrics: o.metrics ?? noMetrics,
    localMode: true,
  };
  const auth = () => Promise.resolve(authSecret);
  const api = {
    'sync-api': syncApi(deps, auth),
    'invoices-api': invoicesApi(deps, auth),
    'bills-api': bills(deps, auth),
    'interaction-api': interaction(deps, auth),
    'config-api': configApi(deps, auth),
    'ops-api': opsApi(
      {
        sync: queues.sync.deadLetters(),
        writeback: queues.writeback.deadLetters(),
        callbacks: queues.callbacks.deadLetters(),
      },
      auth,
    ),
  };
  const handlers = {
    ...api,
    'sync-worker': syncWorker(deps, {
      reserveMs: o.workerReserveMs ?? 60_000,
      ...(o.pageSize ? { pageSize: o.pageSize } : {}),
      ...(o.syncSlicing ? { slicing: o.syncSlicing } : {}),
    }),
    'daily-sync': dailySync(deps),
    'sync-retry': syncRetry(deps),
    'manual-sync': manualSync(deps),
    'bill-writeback': writeback(deps, { maxReceives: MAX_RECEIVES.writeback }),
    'callback-sender': callbacks(deps, {
      delays: o.callbackRetryDelays ?? LOCAL_CALLBACK_DELAYS,
      timeoutMs: o.callbackTimeoutMs,
    }),
    'push-consumer': pushConsumer(deps, o.pushBudget),
    'order-fetch': orderFetch(deps, o.orderFetch),
  } satisfies Record<FunctionName, unknown>;
  queues.sync.consumer = (e, c) => handlers['sync-worker'](e, c);
  queues.writeback.consumer = (e, c) => handlers['bill-writeback'](e, c);
  queues.callbacks.consumer = (e, c) => handlers['callback-sender'](e, c);

  /**
   * Invoke any function with a payload, as the console or EventBridge would. The push consumer and
   * the order fetch get their deployed timeout, since they plan their work by the time left.
   */
  const PLANS_BY_TIME: FunctionName[] = ['push-consumer', 'order-fetch'];
  const invoke = async (fn: FunctionName, payload: unknown): Promise<unknown> =>
    (handlers[fn] as (e: unknown, c: Context) => Promise<unknown>)(
      payload,
      lambdaContext(fn, PLANS_BY_TIME.includes(fn) ? FUNCTIONS[fn].timeout * 1000 : undefined),
    );

  // Local tokens are HS256; they carry the issuer and audience the handlers check when those are
  // set.
  const { issuer, audience } = authSettingsFromEnv();
  const minted = { ...(issuer ? { iss: issuer } : {}), ...(audience ? { aud: audience } : {}) };
  const token = (claims: { sub: string; orgId?: string; roles: string[] }, ttl?: number) =>
    signJwt({ ...minted, ...claims }, authSecret, ttl);

  const verifyLocal = createVerifier(authSettingsFromEnv(), auth);
  /**
   * `/_local/*` runs any function with any payload, so only for an operator token on a loopback
   * `Host` (no DNS rebinding), never from a foreign `Origin`, and with no CORS headers. In-process
   * callers (tests, the demo's setup) pass no `Host`; `nodeListener` always passes the request's.
   */
  const localGuard = async (headers: Record<string, string>): Promise<void> => {
    const { host, origin } = headers;
    if (host !== undefined && !LOOPBACK_HOST.test(host))
      throw new Forbidden(`host: /_local/* answers only on 127.0.0.1 or localhost, not ${host}`);
    if (origin !== undefined && !LOOPBACK_ORIGIN.test(origin))
      throw new Forbidden('origin: /_local/* refuses cross-site requests');
    if (!(await verifyLocal(headers.authorization)).roles.includes('operator'))
      throw new Forbidden('/_local/* needs the operator role');
  };

  /** The HTTP side of local mode: SPEC routes through the API handlers, plus `/_local/…`. */
  const http = async (
    method: string,
    url: string,
    headers: Record<string, string>,
    body: string,
  ): Promise<{ status: number; body: string; headers: Record<string, string> }> => {
    const u = new URL(url, 'http://127.0.0.1');
    const localEvent = /^\/_local\/(events|invoke)\/([\w-]+)$/.exec(u.pathname);
    if (localEvent && method === 'POST') {
      try {
        await localGuard(headers);
      } catch (e) {
        return reply(errorReply(e, 'local'));
      }
      const fn = localEvent[2] as FunctionName;
      const allowed =
        localEvent[1] === 'events'
          ? ['daily-sync', 'sync-retry', 'push-consumer', 'order-fetch']
          : Object.keys(FUNCTIONS);
      if (!allowed.includes(fn))
        return reply(errorReply(new NotFound(`no local ${localEvent[1]} target ${fn}`), 'local'));
      try {
        let payload: unknown = {};
        try {
          payload = body ? JSON.parse(body) : {};
        } catch {
          throw new BadRequest('payload is not valid JSON', [
            { path: '(payload)', message: 'not valid JSON' },
          ]);
        }
        return {
          status: 200,
          body: JSON.stringify((await invoke(fn, payload)) ?? null),
          headers: { 'content-type': 'application/json' },
        };
      } catch (e) {
        return reply(errorReply(e, 'local'));
      }
    }
    // The public documents (no token): answered by the function that serves them in AWS.
    const publicKey = `${method} ${u.pathname}`;
    const docsEvent = { params: {}, method, rawQuery: '' };
    if (publicKey in PUBLIC_ROUTES)
      return reply(
        await api[DOCS_FUNCTION](
          apiEvent({ ...docsEvent, key: publicKey as RouteKey, path: u.pathname, headers, body }),
          lambdaContext(DOCS_FUNCTION),
        ),
      );
    const m = matchRoute(method, u.pathname);
    if (m === null || m === 'method') {
      return reply(
        errorReply(
          m === null
            ? new NotFound(`no route ${method} ${u.pathname}`)
            : new DomainError(
                405,
                'METHOD_NOT_ALLOWED',
                `${method} is not allowed on ${u.pathname}`,
              ),
          'local',
        ),
      );
    }
    const fn = ROUTES[m.key].fn;
    const res: APIGatewayProxyStructuredResultV2 = await api[fn](
      apiEvent({
        key: m.key,
        params: m.params,
        method,
        path: u.pathname,
        rawQuery: u.search.slice(1),
        headers,
        body,
      }),
      lambdaContext(fn),
    );
    return reply(res);
  };

  return {
    deps,
    /** The cloud client's rate limiter, if any (its `stats` when built from `cloudLimits`). */
    limiter,
    tables,
    queues,
    secrets,
    handlers,
    invoke,
    token,
    http,
    errors,
    /** Wait until every queue is idle. */
    settle: async () => {
      for (let i = 0; i < 3; i++) await Promise.all(Object.values(queues).map((q) => q.drain()));
    },
    close: () => {
      db.destroy();
      client.destroy();
    },
  };
};
export type LocalStack = Awaited<ReturnType<typeof buildLocalStack>>;

const reply = (r: APIGatewayProxyStructuredResultV2) => ({
  status: r.statusCode ?? 200,
  body: r.body ?? '',
  headers: (r.headers ?? {}) as Record<string, string>,
});

const LOOPBACK = String.raw`(?:127\.0\.0\.1|localhost|\[::1\])(?::\d{1,5})?`;
export const LOOPBACK_HOST = new RegExp(`^${LOOPBACK}$`, 'i');
const LOOPBACK_ORIGIN = new RegExp(`^http://${LOOPBACK}$`, 'i');

const TOO_LARGE = JSON.stringify({
  error: {
    code: 'PAYLOAD_TOO_LARGE',
    message: `body: larger than ${MAX_BODY_BYTES} bytes`,
    details: [{ path: '(body)', message: `at most ${MAX_BODY_BYTES} bytes` }],
  },
});

/**
 * Node http glue: read the body (the `Host` always passed on), answer with the stack's reply. The
 * bytes are counted as they arrive: past the API's `MAX_BODY_BYTES` the answer is 413 at once and
 * the connection is closed, so a huge body never sits in memory.
 */
export const nodeListener = (stack: LocalStack) => (req: IncomingMessage, res: ServerResponse) => {
  const chunks: Buffer[] = [];
  let size = 0;
  let refused = false;
  req.on('data', (c: Buffer) => {
    if (refused) return;
    size += c.length;
    if (size <= MAX_BODY_BYTES) return void chunks.push(c);
    refused = true;
    chunks.length = 0;
    res.writeHead(413, { 'content-type': 'application/json', connection: 'close' });
    res.end(TOO_LARGE, () => req.destroy());
  });
  req.on('end', () => {
    if (refused) return;
    void stack
      .http(
        req.method ?? 'GET',
        req.url ?? '/',
        { ...(req.headers as Record<string, string>), host: req.headers.host ?? '' },
        Buffer.concat(chunks).toString('utf8'),
      )
      .then((r) => {
        res.writeHead(r.status, r.headers);
        res.end(r.body);
      })
      .catch(() => {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({ error: { code: 'INTERNAL', message: 'internal error', details: [] } }),
        );
      });
  });
};
