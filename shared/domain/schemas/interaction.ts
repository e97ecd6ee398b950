import * as z from 'zod';
import { cursorSchema, freeFormJson, idSchema, limitSchema, orderNoSchema } from './common.js';

export const OPERATION_TYPES = [
  'ORDER_FETCH',
  'BLUE_RESULT_CALLBACK',
  'RED_RESULT_CALLBACK',
  'REJECT_CALLBACK',
  'PUSH_BY_CONDITION',
] as const;
export const DATA_STATUSES = ['RECEIVED', 'SUCCEEDED', 'FAILED'] as const;
export const PROCESSING_METHODS = ['API_PASSIVE', 'API_ACTIVE', 'SCHEDULED', 'DB_SYNC'] as const;
export type OperationType = (typeof OPERATION_TYPES)[number];
export const PUSHABLE: OperationType[] = ['BLUE_RESULT_CALLBACK', 'RED_RESULT_CALLBACK'];
export const RESULT_TYPES = ['BLUE', 'RED', 'REJECT'] as const;
export type ResultType = (typeof RESULT_TYPES)[number];
export const CALLBACK_OF: Record<ResultType, OperationType> = {
  BLUE: 'BLUE_RESULT_CALLBACK',
  RED: 'RED_RESULT_CALLBACK',
  REJECT: 'REJECT_CALLBACK',
};

/** The result an invoice status stands for: red (2, 3), blue (0), none otherwise. */
export const resultTypeOfStatus = (
  status: number | null | undefined,
): Extract<ResultType, 'BLUE' | 'RED'> | null =>
  status === 2 || status === 3 ? 'RED' : status === 0 ? 'BLUE' : null;

/**
 * An order: named keys plus the system's own order data, kept as sent (bounded, see freeFormJson).
 */
export const orderSchema = z
  .object({ systemId: idSchema, orderNo: orderNoSchema })
  .loose()
  .superRefine(freeFormJson(16 * 1024));

export const resultPushShape = z.object({
  orderNo: orderNoSchema,
  resultType: z.enum(RESULT_TYPES),
  invoiceNo: z.string().max(32).nullish(),
  invoiceCode: z.string().max(32).nullish(),
  serialNo: z.string().max(128).nullish(),
  reason: z.string().max(1000).nullish(),
  time: z.string().min(1).max(40),
});
/**
 * The cloud's result push (INVOICE_CLOUD_API.md "Result push"). Keys the contract does not name
 * are dropped, not refused: an independent cloud may send more. The whole body stays bounded and
 * free of prototype keys (security review M1/L5) before the extras are dropped.
 */
export const resultPushSchema = z
  .unknown()
  .superRefine(freeFormJson(16 * 1024))
  .pipe(resultPushShape.strip());

export const logsQuerySchema = z.object({
  orgId: idSchema.optional(),
  operationType: z.enum(OPERATION_TYPES).optional(),
  dataStatus: z.enum(DATA_STATUSES).optional(),
  processingMethod: z.enum(PROCESSING_METHODS).optional(),
  orderNo: orderNoSchema.optional(),
  from: z.iso.datetime({ offset: true }).optional(),
  to: z.iso.datetime({ offset: true }).optional(),
  limit: limitSchema,
  cursor: cursorSchema,
});
export const pushSchema = z
  .object({ logIds: z.array(z.string().min(1).max(128)).min(1).max(100) })
  .strict();
export const pushByConditionSchema = z
  .object({
    logIds: z.array(z.string().min(1).max(128)).min(1).max(100),
    orderNo: orderNoSchema,
    invoiceNo: z.string().min(1).max(32),
  })
  .strict();
export const callbackMessageSchema = z
  .object({
    logId: z.string().min(1),
    notBefore: z.number().optional(),
    attempt: z.number().int().min(0).optional(),
  })
  .strict();
export type CallbackMessage = z.infer<typeof callbackMessageSchema>;

/** What a customer system receives: the result of an invoice order. */
export interface ResultPayload {
  type: 'invoice.result';
  logId: string;
  orderNo: string;
  resultType: ResultType;
  invoiceNo: string | null;
  invoiceCode: string | null;
  serialNo: string | null;
  reason: string | null;
  time: string;
}

export interface Attempt {
  at: string;
  status: number | null;
  latencyMs: number;
  ok: boolean;
  error?: string;
  response: string;
  trigger: 'automatic' | 'push' | 'push-by-condition';
}

/**
 * The automatic retry state of a callback log, kept in the log item (not only in queue messages),
 * so a duplicated or redelivered message cannot end or double the schedule. Internal: not in API
 * replies.
 */
export interface RetryState {
  /** Automatic attempts claimed (conditionally, one claimer per attempt number). */
  autoClaimed?: number;
  /** Automatic attempts finished and recorded. */
  autoDone?: number;
  /**
   * When the next automatic attempt is due (ISO); absent when none is (delivered or schedule
   * spent).
   */
  nextAttemptAt?: string;
  /** The attempt number whose follow-up message has been queued. */
  hopFor?: number;
}
export const RETRY_STATE_FIELDS = ['autoClaimed', 'autoDone', 'nextAttemptAt', 'hopFor'] as const;

export interface InteractionLog extends RetryState {
  logId: string;
  /**
   * The org the order and its results belong to (absent on logs written before orgs owned them).
   */
  orgId: string;
  systemId: string;
  operationType: OperationType;
  dataStatus: (typeof DATA_STATUSES)[number];
  processingMethod: (typeof PROCESSING_METHODS)[number];
  orderNo: string;
  invoiceNo?: string | null;
  request: unknown;
  response: unknown;
  attempts: Attempt[];
  webhookId?: string;
  payload?: ResultPayload;
  createdAt: string;
  updatedAt: string;
}
