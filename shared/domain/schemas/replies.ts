/**
 * Reply shapes of the HTTP API, for the OpenAPI document only (issue 17): the routes build their
 * replies from the stores' types; these describe them, loose where a record carries the vendor's
 * fields as received. `test/integration/openapi-replies.test.ts` checks live replies against them.
 */
import * as z from 'zod';
import { KINDS } from './cloud.js';
import { DATA_STATUSES, OPERATION_TYPES, PROCESSING_METHODS, RESULT_TYPES } from './interaction.js';
import { RUN_STATUSES } from './sync.js';

const iso = z.string().describe('ISO-8601 instant (UTC)');
const label = z.object({ code: z.number(), zh: z.string(), en: z.string() }).loose().nullable();

/** Every list: a page of `items` and the cursor of the next page (null: the last page). */
export const pageOf = <T extends z.ZodType>(item: T) =>
  z.object({
    items: z.array(item),
    nextCursor: z.string().nullable().describe('pass as `cursor` for the next page; null: done'),
  });

export const errorReply = z.object({
  error: z.object({
    code: z.string().describe('e.g. BAD_REQUEST, UNAUTHORIZED, FORBIDDEN, NOT_FOUND, CONFLICT'),
    message: z.string().describe('names the field at fault'),
    details: z.array(z.object({ path: z.string(), message: z.string() }).loose()),
  }),
});

export const runReply = z
  .object({
    runId: z.string(),
    orgId: z.string(),
    orgName: z.string(),
    taxNo: z.string(),
    type: z.enum(KINDS),
    dataDate: z.string().nullable().describe('yyyy-MM-dd (China time); null: a full sync'),
    billNos: z.array(z.string()).optional(),
    trigger: z.enum(['manual', 'schedule', 'retry']),
    startedAt: iso.nullable(),
    finishedAt: iso.nullable(),
    status: z.enum(RUN_STATUSES),
    message: z.string(),
    successCount: z.number().int(),
    attemptCount: z.number().int(),
    fetched: z.number().int(),
    skipped: z.number().int(),
    failed: z.number().int(),
    pages: z.number().int(),
    createdAt: iso,
    updatedAt: iso,
    progress: z
      .object({ total: z.number().int().nullable(), nextPage: z.number().int().nullable() })
      .loose()
      .nullable(),
  })
  .loose();
export const runsStarted = z.object({ runs: z.array(runReply) });

export const reconcileReply = z.object({
  orgId: z.string(),
  type: z.enum(KINDS),
  dataDate: z.string().nullable(),
  cloudCount: z.number().int(),
  poolCount: z.number().int(),
  matched: z.boolean(),
  missingInPoolCount: z.number().int(),
  missingInCloudCount: z.number().int(),
  missingInPool: z.array(z.string()).describe('first 100'),
  missingInCloud: z.array(z.string()).describe('first 100'),
  differences: z.array(
    z
      .object({
        serialNo: z.string(),
        side: z.enum(['missingInPool', 'missingInCloud']),
        invoiceType: z.number().nullable(),
        invoiceStatus: z.number().nullable(),
        invoiceTypeLabel: label,
        invoiceStatusLabel: label,
      })
      .loose(),
  ),
});

/** An invoice: the cloud's fields as received, the local face edit merged in, code labels. */
export const invoiceReply = z
  .object({
    serialNo: z.string(),
    orgId: z.string(),
    modified: z.boolean().optional().describe('true when a local face edit wins'),
    invoiceTypeLabel: label,
    invoiceStatusLabel: label,
  })
  .loose();
export const invoicePage = pageOf(invoiceReply);

export const pushInvoicesReply = z.object({
  stored: z.number().int(),
  skipped: z.number().int(),
  rejected: z.number().int(),
  results: z.array(
    z
      .object({
        index: z.number().int(),
        serialNo: z.string().nullable().optional(),
        ok: z.boolean(),
        status: z.string(),
      })
      .loose(),
  ),
});

export const userReply = z.object({
  userId: z.string(),
  name: z.string(),
  phone: z.string(),
  orgIds: z.array(z.string()),
  updatedAt: iso,
});

export const billAccepted = z.object({ eventId: z.string() });
export const billLogReply = z
  .object({
    orgId: z.string(),
    billId: z.string(),
    eventId: z.string(),
    step: z.enum(['release', 'save', 'status', 'delete', 'forceWrite', 'event']),
    request: z.unknown(),
    response: z.unknown(),
    outcome: z.enum(['succeeded', 'failed', 'skipped']),
    attempt: z.number().int(),
    at: iso,
  })
  .loose();
export const deadLetterReply = z.object({ eventId: z.string() }).loose();

export const logAccepted = z.object({ logId: z.string() });
export const attemptReply = z
  .object({
    at: iso,
    status: z.number().int().nullable().describe('HTTP status; null: no answer'),
    latencyMs: z.number(),
    ok: z.boolean(),
    error: z.string().optional(),
    response: z.string().describe('the answer, truncated'),
    trigger: z.enum(['automatic', 'push', 'push-by-condition']),
  })
  .loose();

/** What a customer system receives for an order (the `resultCallback` webhook). */
export const resultPayload = z.object({
  type: z.literal('invoice.result'),
  logId: z.string(),
  orderNo: z.string(),
  resultType: z.enum(RESULT_TYPES),
  invoiceNo: z.string().nullable(),
  invoiceCode: z.string().nullable(),
  serialNo: z.string().nullable(),
  reason: z.string().nullable(),
  time: z.string(),
});

export const interactionLogReply = z
  .object({
    logId: z.string(),
    orgId: z.string(),
    systemId: z.string(),
    operationType: z.enum(OPERATION_TYPES),
    dataStatus: z.enum(DATA_STATUSES),
    processingMethod: z.enum(PROCESSING_METHODS),
    orderNo: z.string(),
    invoiceNo: z.string().nullable().optional(),
    request: z.unknown(),
    response: z.unknown(),
    attempts: z.array(attemptReply),
    webhookId: z.string().optional(),
    payload: resultPayload.optional(),
    createdAt: iso,
    updatedAt: iso,
  })
  .loose();
export const resultAccepted = z.object({
  errcode: z.literal('0000'),
  description: z.enum(['accepted', 'already accepted']),
  logId: z.string(),
});
export const pushReply = z.object({
  results: z.array(
    z.object({
      logId: z.string(),
      ok: z.boolean(),
      error: z.object({ code: z.string(), message: z.string() }).optional(),
    }),
  ),
});

export const configReply = z
  .object({
    nonSyncFields: z.array(z.string()),
    personalFolderSync: z.boolean(),
    writeback: z.boolean(),
    lookbackDays: z.number().int(),
  })
  .loose();
export const orgReply = z
  .object({
    orgId: z.string(),
    orgName: z.string(),
    taxNo: z.string(),
    clientId: z.string().nullable(),
    clientSecret: z.literal('***').nullable().describe('write-only: set or null'),
    linkKey: z.literal('***').nullable().describe('write-only: set or null'),
    syncEnabled: z.boolean(),
    pushEnabled: z.boolean(),
    lastPushAt: iso.nullable(),
    pushedMessages: z.number().int(),
    pushedInvoices: z.number().int(),
    updatedAt: iso,
  })
  .loose();
export const systemReply = z
  .object({
    systemId: z.string(),
    orgId: z.string(),
    name: z.string(),
    callbackUrl: z.string(),
    updatedAt: iso,
    secret: z
      .string()
      .optional()
      .describe('`whsec_…`: only on creation or rotateSecret, shown once'),
  })
  .loose();

/** `GET /dead-letters`: each DLQ's depth (approximate, as SQS counts). */
export const deadLetterCounts = (queues: readonly [string, ...string[]]) =>
  z.object({ items: z.array(z.object({ queue: z.enum(queues), messages: z.number().int() })) });
export const redriveStarted = (queues: readonly [string, ...string[]]) =>
  z.object({ queue: z.enum(queues), taskHandle: z.string() });
