import * as z from 'zod';
import { cursorSchema, dateSchema, idSchema, limitSchema } from './common.js';
import { kindSchema } from './cloud.js';

export const RUN_STATUSES = ['queued', 'running', 'succeeded', 'failed', 'needs_manual'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];
export const MAX_AUTO_RETRIES = 3;

export const billNoSchema = z.string().min(1).max(64);

/** `POST /sync` and the manual-sync direct invoke. */
export const syncRequestSchema = z
  .object({
    type: kindSchema,
    orgIds: z.array(idSchema).min(1).max(500).optional(),
    dataDate: z.union([dateSchema, z.literal(''), z.null()]).optional(),
  })
  .strict();

export const byBillsRequestSchema = z
  .object({ orgId: idSchema, billNos: z.array(billNoSchema).min(1).max(200) })
  .strict();

export const runsQuerySchema = z.object({
  orgId: idSchema.optional(),
  type: kindSchema.optional(),
  status: z.enum(RUN_STATUSES).optional(),
  dataDate: dateSchema.optional(),
  limit: limitSchema,
  cursor: cursorSchema,
});

export const reconcileQuerySchema = z.object({
  orgId: idSchema,
  type: kindSchema,
  dataDate: dateSchema.optional(),
});

/** The sync queue's message: start or continue a run. */
export const syncMessageSchema = z
  .object({ runId: z.string().min(1), slice: z.number().int().min(0).max(63).optional() })
  .strict();
export type SyncMessage = z.infer<typeof syncMessageSchema>;

/**
 * Progress a run checkpoints after each committed page. Pages are read last → first (see engine).
 */
export interface RunProgress {
  phase: 'main' | 'catchup' | 'done';
  windowStart: string | null;
  windowEnd: string | null;
  pageSize: number;
  /** Next page to read (descending); 0 once the phase is done. */
  nextPage: number | null;
  total: number | null;
}

export interface Run {
  runId: string;
  orgId: string;
  orgName: string;
  taxNo: string;
  type: 'input' | 'output';
  dataDate: string | null;
  billNos?: string[] | undefined;
  trigger: 'manual' | 'schedule' | 'retry';
  startedAt: string | null;
  finishedAt: string | null;
  status: RunStatus;
  message: string;
  successCount: number;
  attemptCount: number;
  fetched: number;
  skipped: number;
  failed: number;
  pages: number;
  /** Worker invocations that took part (1 + hand-offs + resumes). */
  invocations?: number;
  createdAt: string;
  updatedAt: string;
  progress: RunProgress | null;
  retryRound?: string | undefined;
  /** A full sync in time slices (use-cases/sync/phases/slices.ts): how many, how many done. */
  slices?: number | undefined;
  slicesDone?: number | undefined;
  folder?:
    | { linked: number; unmatched: number; noPermission: number; bound: number; sample: string[] }
    | undefined;
}
