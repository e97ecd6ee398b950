/**
 * The HTTP API (SPEC §4.1): route key → function and roles. One source for API Gateway and
 * `npm start`. Every non-operator role is confined to its token's org by the use case
 * (`shared/adapters/http/scope.ts`); R6 generates its scoping matrix from this table.
 */
import type { Role } from '#shared/adapters/http/jwt.js';
import type { FunctionName } from './catalog.js';

export interface RouteSpec {
  fn: FunctionName;
  roles: readonly Role[];
}
const op = ['operator'] as const;
/** The expense system (a service client), its own org only. */
const ex = ['expense'] as const;
/** The invoice cloud's pushes, its own org only. */
const cl = ['cloud'] as const;
const exOrOp = ['expense', 'operator'] as const;

export const ROUTES = {
  'POST /sync': { fn: 'sync-api', roles: op },
  'POST /sync/by-bills': { fn: 'sync-api', roles: op },
  'GET /sync/runs': { fn: 'sync-api', roles: op },
  'GET /sync/runs/{runId}': { fn: 'sync-api', roles: op },
  'GET /sync/reconcile': { fn: 'sync-api', roles: op },
  'GET /invoices': { fn: 'invoices-api', roles: ex },
  'GET /invoices/{invoiceId}': { fn: 'invoices-api', roles: ex },
  'PATCH /invoices/{invoiceId}': { fn: 'invoices-api', roles: ex },
  'POST /invoices/push': { fn: 'invoices-api', roles: cl },
  // An employee (`user`) reads only their own folder; the expense system its org's users.
  'GET /users/{userId}/invoices': { fn: 'invoices-api', roles: ['user', 'expense', 'operator'] },
  'PUT /users/{userId}': { fn: 'invoices-api', roles: exOrOp },
  'POST /bills/events': { fn: 'bills-api', roles: ex },
  'GET /bills/{billId}/logs': { fn: 'bills-api', roles: exOrOp },
  'GET /bills/dead-letters': { fn: 'bills-api', roles: op },
  'POST /billing/orders': { fn: 'interaction-api', roles: ex },
  'POST /billing/results': { fn: 'interaction-api', roles: cl },
  'GET /interaction-logs': { fn: 'interaction-api', roles: op },
  'POST /interaction-logs/push': { fn: 'interaction-api', roles: op },
  'POST /interaction-logs/push-by-condition': { fn: 'interaction-api', roles: op },
  'GET /config': { fn: 'config-api', roles: op },
  'PUT /config': { fn: 'config-api', roles: op },
  'GET /orgs/{orgId}': { fn: 'config-api', roles: op },
  'PUT /orgs/{orgId}': { fn: 'config-api', roles: op },
  'PUT /systems/{systemId}': { fn: 'config-api', roles: op },
  // Order acquisition by pull (issue 19): fetch a system's new orders now (API_ACTIVE).
  'POST /systems/{systemId}/fetch-orders': { fn: 'interaction-api', roles: op },
  // Operations (issue 16): each DLQ's depth, and a redrive back to its queue.
  'GET /dead-letters': { fn: 'ops-api', roles: op },
  'POST /dead-letters/{queue}/redrive': { fn: 'ops-api', roles: op },
  // The operator console's reads (issue 17): lists never carry a secret.
  'GET /orgs': { fn: 'config-api', roles: op },
  'GET /systems': { fn: 'config-api', roles: op },
  'GET /pool/invoices': { fn: 'invoices-api', roles: op },
  'GET /pool/invoices/{invoiceId}': { fn: 'invoices-api', roles: op },
} as const satisfies Record<string, RouteSpec>;
export type RouteKey = keyof typeof ROUTES;

/** Routes answered without a token: the documents, which hold no data. */
export const PUBLIC_ROUTES = {
  'GET /openapi.json': {
    summary: 'This document (OpenAPI 3.1)',
    description: 'Public: shapes only, no data.',
    contentType: 'application/json',
  },
  'GET /docs': {
    summary: 'This document as a readable page',
    description: 'Public: shapes only, no data; no script.',
    contentType: 'text/html',
  },
} as const;

/** The function whose routes also answer the public documents (in AWS and in local mode). */
export const DOCS_FUNCTION = 'config-api' as const satisfies FunctionName;
