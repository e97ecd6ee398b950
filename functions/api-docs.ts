/**
 * The API's own documents (issue 17): `GET /openapi.json` (OpenAPI 3.1, built from the route table
 * and the routes' zod schemas) and `GET /docs` (the same document as a readable page). Both are
 * public: they describe shapes only, hold no data and are the same for every caller, so a customer
 * system or the console can read them before it has a token.
 */
import * as z from 'zod';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { buildOpenApi, type RouteDoc, type WebhookDoc } from '#shared/adapters/http/openapi.js';
import { renderOpenApiHtml } from '#shared/adapters/http/openapi-html.js';
import { billEventSchema, billLogsQuery } from '#shared/domain/schemas/bills.js';
import { idSchema, orgQuery, pageQuery } from '#shared/domain/schemas/common.js';
import { configPatchSchema, orgPutSchema } from '#shared/domain/schemas/config.js';
import {
  logsQuerySchema,
  orderSchema,
  pushByConditionSchema,
  pushSchema as logPushSchema,
  resultPushShape,
} from '#shared/domain/schemas/interaction.js';
import * as r from '#shared/domain/schemas/replies.js';
import {
  byBillsRequestSchema,
  reconcileQuerySchema,
  runsQuerySchema,
  syncRequestSchema,
} from '#shared/domain/schemas/sync.js';
import { systemPutSchema } from '#shared/domain/schemas/systems.js';
import { userPutSchema } from '#shared/domain/schemas/users.js';
import {
  FETCH_PAGE_LIMIT,
  fetchedOrderSchema,
  fetchOrdersReplySchema,
  fetchPageSchema,
} from '#shared/domain/schemas/order-fetch.js';
import { DLQ_QUEUES } from '#shared/use-cases/ops/dead-letters.js';
import { facePatchSchema } from '#shared/use-cases/invoices/edit.js';
import { pushSchema as invoicePushSchema } from '#shared/use-cases/invoices/push.js';
import { invoiceListQuery, poolQuery } from '#shared/use-cases/invoices/pool-view.js';
import { PUBLIC_ROUTES, ROUTES } from './routes.js';

const id = { userId: idSchema, orgId: idSchema, systemId: idSchema, runId: idSchema };
const LIST = 'A page of at most `limit` items; pass `nextCursor` back as `cursor` for the next.';
const SIGNED = 'Signed the Standard Webhooks way: see the `webhook-*` headers and docs/api.md.';

/** Each route's texts and shapes. A route of `ROUTES` missing here fails the OpenAPI test. */
export const ROUTE_DOCS: Record<string, RouteDoc> = {
  'POST /sync': {
    tag: 'Sync',
    summary: 'Start input or output syncs (one run per org)',
    description: 'Without `dataDate` (or empty) a full sync of everything the cloud holds.',
    body: { name: 'SyncRequest', schema: syncRequestSchema },
    reply: { status: 202, name: 'RunsStarted', schema: r.runsStarted, description: 'runs queued' },
  },
  'POST /sync/by-bills': {
    tag: 'Sync',
    summary: 'Sync the invoices of named bills (one cloud call per bill)',
    body: { name: 'ByBillsRequest', schema: byBillsRequestSchema },
    reply: { status: 202, name: 'RunsStarted', schema: r.runsStarted, description: 'run queued' },
  },
  'GET /sync/runs': {
    tag: 'Sync',
    summary: 'List runs, newest first',
    description: LIST,
    query: runsQuerySchema,
    reply: { status: 200, name: 'RunPage', schema: r.pageOf(r.runReply), description: 'runs' },
  },
  'GET /sync/runs/{runId}': {
    tag: 'Sync',
    summary: 'One run with its progress',
    params: id,
    reply: { status: 200, name: 'Run', schema: r.runReply, description: 'the run' },
  },
  'GET /sync/reconcile': {
    tag: 'Sync',
    summary: 'Compare the cloud with the pool for an org, kind and date',
    query: reconcileQuerySchema,
    reply: {
      status: 200,
      name: 'Reconciliation',
      schema: r.reconcileReply,
      description: 'counts and the differences (first 100 per side)',
    },
  },
  'GET /invoices': {
    tag: 'Invoices',
    summary: "The expense system's pool of its org",
    description: LIST,
    query: invoiceListQuery,
    reply: { status: 200, name: 'InvoicePage', schema: r.invoicePage, description: 'invoices' },
  },
  'GET /invoices/{invoiceId}': {
    tag: 'Invoices',
    summary: 'One invoice (ETag: its version)',
    reply: { status: 200, name: 'Invoice', schema: r.invoiceReply, description: 'the invoice' },
  },
  'PATCH /invoices/{invoiceId}': {
    tag: 'Invoices',
    summary: "Edit an invoice's face locally (wins over syncs, `modified` true)",
    body: { name: 'FacePatch', schema: facePatchSchema },
    headers: [{ name: 'If-Match', description: 'the ETag read; a stale one is a 412' }],
    reply: { status: 200, name: 'Invoice', schema: r.invoiceReply, description: 'edited' },
    refusals: { 412: 'The invoice changed since the ETag was read; nothing written' },
  },
  'POST /invoices/push': {
    tag: 'Invoices',
    summary: "The cloud pushes invoice records (its org's only)",
    body: { name: 'InvoicePush', schema: invoicePushSchema },
    reply: {
      status: 200,
      name: 'InvoicePushResult',
      schema: r.pushInvoicesReply,
      description: 'one result per record',
    },
  },
  'GET /users/{userId}/invoices': {
    tag: 'Invoices',
    summary: "A user's personal folder",
    description: LIST,
    params: id,
    query: pageQuery,
    reply: { status: 200, name: 'InvoicePage', schema: r.invoicePage, description: 'invoices' },
  },
  'PUT /users/{userId}': {
    tag: 'Users',
    summary: 'Create or replace a user of the directory (one user per phone)',
    params: id,
    body: { name: 'UserPut', schema: userPutSchema },
    reply: { status: 200, name: 'User', schema: r.userReply, description: 'the user (201: new)' },
    refusals: { 409: 'The phone belongs to another user' },
  },
  'POST /bills/events': {
    tag: 'Bills',
    summary: 'A bill event from the expense system (queued for write-back)',
    body: { name: 'BillEvent', schema: billEventSchema },
    headers: [{ name: 'Idempotency-Key', description: 'a re-send with the same key is one event' }],
    reply: { status: 202, name: 'BillAccepted', schema: r.billAccepted, description: 'queued' },
  },
  'GET /bills/{billId}/logs': {
    tag: 'Bills',
    summary: "A bill's write-back log, call by call",
    description: LIST,
    params: { billId: z.string().min(1).max(64) },
    query: billLogsQuery,
    reply: {
      status: 200,
      name: 'BillLogPage',
      schema: r.pageOf(r.billLogReply),
      description: 'log entries',
    },
  },
  'GET /bills/dead-letters': {
    tag: 'Bills',
    summary: 'Bill events that failed every delivery',
    description: LIST,
    query: pageQuery,
    reply: {
      status: 200,
      name: 'DeadLetterPage',
      schema: r.pageOf(r.deadLetterReply),
      description: 'dead letters',
    },
  },
  'POST /billing/orders': {
    tag: 'Callbacks',
    summary: 'An order from a customer system (its keys plus free-form data, ≤ 16 KB)',
    body: { name: 'Order', schema: orderSchema },
    reply: { status: 202, name: 'LogAccepted', schema: r.logAccepted, description: 'logged' },
  },
  'POST /billing/results': {
    tag: 'Callbacks',
    summary: "The cloud's invoice result for an order (signed callback follows)",
    body: { name: 'ResultPush', schema: resultPushShape },
    reply: {
      status: 200,
      name: 'ResultAccepted',
      schema: r.resultAccepted,
      description: 'accepted (once per order and result type)',
    },
  },
  'GET /interaction-logs': {
    tag: 'Callbacks',
    summary: 'Interaction logs with their attempts (status, latency, response)',
    description: LIST,
    query: logsQuerySchema,
    reply: {
      status: 200,
      name: 'InteractionLogPage',
      schema: r.pageOf(r.interactionLogReply),
      description: 'logs',
    },
  },
  'POST /interaction-logs/push': {
    tag: 'Callbacks',
    summary: 'Re-push result callbacks now (one attempt each)',
    body: { name: 'LogPush', schema: logPushSchema },
    reply: { status: 200, name: 'PushResults', schema: r.pushReply, description: 'per log' },
  },
  'POST /interaction-logs/push-by-condition': {
    tag: 'Callbacks',
    summary: 'Push by condition: the logs of an order whose invoice number matches',
    body: { name: 'PushByCondition', schema: pushByConditionSchema },
    reply: { status: 200, name: 'PushResults', schema: r.pushReply, description: 'per log' },
  },
  'GET /config': {
    tag: 'Configuration',
    summary: 'The global switches',
    reply: { status: 200, name: 'Config', schema: r.configReply, description: 'the switches' },
  },
  'PUT /config': {
    tag: 'Configuration',
    summary: 'Change the given switches only',
    body: { name: 'ConfigPatch', schema: configPatchSchema },
    reply: { status: 200, name: 'Config', schema: r.configReply, description: 'the switches' },
  },
  'GET /orgs': {
    tag: 'Configuration',
    summary: 'Organisations (secrets shown as set or not)',
    description: LIST,
    query: pageQuery,
    reply: { status: 200, name: 'OrgPage', schema: r.pageOf(r.orgReply), description: 'orgs' },
  },
  'GET /orgs/{orgId}': {
    tag: 'Configuration',
    summary: 'One organisation with its push-channel counts (ETag: its version)',
    params: id,
    reply: { status: 200, name: 'Org', schema: r.orgReply, description: 'the org' },
  },
  'PUT /orgs/{orgId}': {
    tag: 'Configuration',
    summary: 'Create or update an organisation (secrets write-only)',
    params: id,
    body: { name: 'OrgPut', schema: orgPutSchema },
    headers: [{ name: 'If-Match', description: 'the ETag read; a stale one is a 412' }],
    reply: { status: 200, name: 'Org', schema: r.orgReply, description: 'the org (201: new)' },
    refusals: { 412: 'The org changed since the ETag was read; nothing written' },
  },
  'GET /systems': {
    tag: 'Configuration',
    summary: "An org's customer systems",
    description: LIST,
    query: pageQuery.extend(orgQuery.shape),
    reply: {
      status: 200,
      name: 'SystemPage',
      schema: r.pageOf(r.systemReply),
      description: 'systems',
    },
  },
  'PUT /systems/{systemId}': {
    tag: 'Configuration',
    summary: 'Register a customer system; its `whsec_` secret is shown once',
    params: id,
    body: { name: 'SystemPut', schema: systemPutSchema },
    reply: { status: 200, name: 'System', schema: r.systemReply, description: '201: new' },
  },
  'GET /pool/invoices': {
    tag: 'Invoices',
    summary: "An operator's search of any org's pool (by number, kind, status)",
    description: LIST,
    query: poolQuery,
    reply: { status: 200, name: 'InvoicePage', schema: r.invoicePage, description: 'invoices' },
  },
  'GET /pool/invoices/{invoiceId}': {
    tag: 'Invoices',
    summary: 'One invoice of any org with its attachments, linked users and local edit',
    query: orgQuery,
    reply: { status: 200, name: 'PoolInvoice', schema: r.invoiceReply, description: 'invoice' },
  },
  'POST /systems/{systemId}/fetch-orders': {
    tag: 'Callbacks',
    summary: "Fetch a system's new orders now from its `orderFetchUrl` (body: none or `{}`)",
    params: id,
    reply: {
      status: 200,
      name: 'FetchOrdersResult',
      schema: fetchOrdersReplySchema,
      description: 'what the fetch did',
    },
  },
  'GET /dead-letters': {
    tag: 'Operations',
    summary: "Each dead-letter queue's depth",
    reply: {
      status: 200,
      name: 'DeadLetterCounts',
      schema: r.deadLetterCounts(DLQ_QUEUES),
      description: 'one item per queue',
    },
  },
  'POST /dead-letters/{queue}/redrive': {
    tag: 'Operations',
    summary: "Move a dead-letter queue's messages back to its queue",
    params: { queue: z.enum(DLQ_QUEUES) },
    reply: {
      status: 202,
      name: 'RedriveStarted',
      schema: r.redriveStarted(DLQ_QUEUES),
      description: 'the move task started',
    },
    refusals: { 409: 'A move task of this queue is still running' },
  },
};

const WEBHOOK_HEADERS = [
  { name: 'webhook-id', description: 'the message id; the same on every re-send (de-duplicate)' },
  { name: 'webhook-timestamp', description: 'Unix seconds; refuse one far from now (replays)' },
  {
    name: 'webhook-signature',
    description: '`v1,` + base64 HMAC-SHA256 of `{id}.{timestamp}.{body}`, keyed with the `whsec_`',
  },
];

const WEBHOOKS: Record<string, WebhookDoc> = {
  resultCallback: {
    method: 'post',
    summary: "An order's invoice result, POSTed to the system's `callbackUrl`",
    description: `${SIGNED} Any 2xx is delivery; otherwise retried 7 times over about 26 h.`,
    body: { name: 'ResultPayload', schema: r.resultPayload },
    reply: { name: 'CallbackAnswer', schema: z.unknown(), description: 'any 2xx: delivered' },
  },
  orderFetch: {
    method: 'get',
    summary: "GET `{orderFetchUrl}?cursor&limit`: the bridge pulls a system's orders",
    description: `${SIGNED} The body signed is empty. See docs/orders.md.`,
    query: z.object({ cursor: z.string().optional(), limit: z.coerce.number().int().optional() }),
    reply: {
      name: 'OrderFetchPage',
      // Each order as the bridge checks it (one by one; a bad order is skipped and counted).
      schema: fetchPageSchema.extend({ orders: z.array(fetchedOrderSchema).max(FETCH_PAGE_LIMIT) }),
      description: 'a page of orders; `nextCursor` null: nothing more for now',
    },
  },
};

const DESCRIPTION = [
  'The Invoice Cloud Bridge HTTP API (SPEC §4.1). Every route needs `Authorization: Bearer <JWT>`',
  "and one of its roles (`x-roles`); non-operator roles are confined to their token's org, and",
  "another org's ids answer 404. Errors have one shape (`Error`). Lists take `limit` (1–200) and",
  '`cursor` and answer `{items, nextCursor}`. `GET /openapi.json` and `GET /docs` are public:',
  'they hold no data.',
].join(' ');

let cached: Record<string, unknown> | undefined;
/** The document (built once per process). */
export const openApiDocument = (): Record<string, unknown> =>
  (cached ??= buildOpenApi({
    info: { title: 'Invoice Cloud Bridge API', version: '1', description: DESCRIPTION },
    routes: ROUTES,
    docs: ROUTE_DOCS,
    publicRoutes: PUBLIC_ROUTES,
    webhooks: WEBHOOKS,
    errorSchema: r.errorReply,
    webhookHeaders: WEBHOOK_HEADERS,
  }));

const HTML_CSP = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'";

let bodies: { json: string; html: string } | undefined;
/** Answer a public route, or undefined for any other route key (bodies built once per process). */
export const publicDocsReply = (
  routeKey: string,
): APIGatewayProxyStructuredResultV2 | undefined => {
  if (!(routeKey in PUBLIC_ROUTES)) return undefined;
  bodies ??= {
    json: JSON.stringify(openApiDocument()),
    html: renderOpenApiHtml(openApiDocument()),
  };
  if (routeKey === 'GET /openapi.json')
    return {
      statusCode: 200,
      headers: { 'content-type': 'application/json', 'cache-control': 'public, max-age=300' },
      body: bodies.json,
    };
  return {
    statusCode: 200,
    headers: {
      'content-type': 'text/html; charset=utf-8',
      'content-security-policy': HTML_CSP,
      'x-content-type-options': 'nosniff',
    },
    body: bodies.html,
  };
};
