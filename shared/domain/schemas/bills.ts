import * as z from 'zod';
import { idSchema, pageQuery } from './common.js';

export const BILL_EVENT_TYPES = ['saved', 'deleted', 'invoiceUnbound'] as const;
/** The expense system's bill states (SPEC §4.1); each maps to an invoice use status (§3.3). */
export const BILL_STATUSES = [
  'draft',
  'submitted',
  'approved',
  'paid',
  'booked',
  'rejected',
  'discarded',
] as const;
export type BillStatus = (typeof BILL_STATUSES)[number];

/**
 * A bill event from the expense system (`POST /bills/events`, and the write-back queue's `event`).
 * `serialNos` entries that are null or empty stand for invoices without a cloud serial number: they
 * are skipped and logged, never sent.
 */
export const billEventSchema = z
  .object({
    type: z.enum(BILL_EVENT_TYPES),
    billId: z.string().min(1).max(64),
    billNo: z.string().min(1).max(64),
    orgId: idSchema.optional(),
    userId: z.string().min(1).max(64),
    billStatus: z.enum(BILL_STATUSES),
    dataSource: z.string().min(1).max(32),
    serialNos: z.array(z.string().max(128).nullable()).max(500),
  })
  .strict()
  .superRefine((e, ctx) => {
    if (e.type !== 'deleted' && !e.serialNos.some((s) => s))
      ctx.addIssue({
        code: 'custom',
        path: ['serialNos'],
        message: `a ${e.type} event needs at least one invoice serial number`,
      });
  });
export type BillEvent = z.infer<typeof billEventSchema>;

/**
 * The write-back queue's message (FIFO: group = `${orgId}#${billId}`, de-duplication id = eventId).
 * The API always names the event's org (the one it checked); `loginOrgId` stays for messages queued
 * before that.
 */
export const writebackMessageSchema = z
  .object({
    eventId: z.string().min(1).max(64),
    receivedAt: z.string(),
    loginOrgId: z.string().nullable(),
    event: billEventSchema,
  })
  .strict();
export type WritebackMessage = z.infer<typeof writebackMessageSchema>;

export type BillOutcome = 'succeeded' | 'failed' | 'skipped';
export interface BillLogEntry {
  orgId: string;
  billId: string;
  eventId: string;
  operationType: 'SYNC_BILL_TO_CLOUD';
  /**
   * `release`: invoices set back to use status 1 while still on the bill (the vendor's release
   * rule); `forceWrite`: a save forced after the cloud answered 1409 (review I1).
   */
  step: 'release' | 'save' | 'status' | 'delete' | 'forceWrite' | 'event';
  request: unknown;
  response: unknown;
  outcome: BillOutcome;
  attempt: number;
  at: string;
  /** Diagnostics beside the call, e.g. invoices sent that the pool does not hold yet. */
  note?: string;
}

/** `GET /bills/{billId}/logs`: a page, of the caller's org (an operator may name one). */
export const billLogsQuery = pageQuery.extend({ orgId: idSchema.optional() });
