import * as z from 'zod';
import { idSchema } from './common.js';

export const globalConfigSchema = z.object({
  nonSyncFields: z.array(z.string().max(64)).max(50),
  personalFolderSync: z.boolean(),
  writeback: z.boolean(),
  syncUnusedInvoices: z.boolean(),
  showUncheckedInPool: z.boolean(),
  hideUnusedInPool: z.boolean(),
  /**
   * At least 1: changes made on day D after D's run are only synced by the next day's look-back.
   */
  lookbackDays: z.number().int().min(1, 'at least 1 (0 never re-syncs late changes)').max(30),
});
export type GlobalConfig = z.infer<typeof globalConfigSchema>;

export const DEFAULT_CONFIG: GlobalConfig = {
  nonSyncFields: [],
  personalFolderSync: false,
  writeback: false,
  syncUnusedInvoices: true,
  showUncheckedInPool: true,
  hideUnusedInPool: true,
  lookbackDays: 1,
};

/** `PUT /config` replaces the given keys only. */
export const configPatchSchema = globalConfigSchema.partial().strict();

/**
 * `PUT /orgs/{orgId}`: an upsert. `orgName` and `taxNo` are needed to create; on an existing org a
 * field not given keeps its stored value (see putOrg). `orgId`, when given, must equal the path.
 */
export const orgPutSchema = z
  .object({
    orgId: idSchema.optional(),
    orgName: z.string().min(1).max(200).optional(),
    taxNo: z
      .string()
      .regex(/^[0-9A-Z]{15,20}$/, '15–20 digits or capital letters')
      .optional(),
    clientId: z.string().min(1).max(128).nullable().optional(),
    clientSecret: z.string().min(1).max(512).optional(),
    /** Default true on create. */
    syncEnabled: z.boolean().optional(),
    /**
     * The push channel (long poll) for this org; needs clientId, clientSecret and linkKey. Default
     * false on create.
     */
    pushEnabled: z.boolean().optional(),
    /** The org's push-channel link key: write-only, kept in the secrets store. */
    linkKey: z.string().min(1).max(512).optional(),
  })
  .strict();

export interface Org {
  orgId: string;
  orgName: string;
  taxNo: string;
  clientId: string | null;
  syncEnabled: boolean;
  hasClientSecret: boolean;
  /** Polled by the push consumer every minute (default false). */
  pushEnabled: boolean;
  hasLinkKey: boolean;
  updatedAt: string;
}

/** What the push consumer has stored for an org (its own item, updated atomically). */
export interface PushStats {
  lastPushAt: string | null;
  pushedMessages: number;
  pushedInvoices: number;
}
