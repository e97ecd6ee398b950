import * as z from 'zod';
import { idSchema } from './common.js';

/**
 * `PUT /systems/{systemId}`: a heterogeneous (customer) system's registration. A system belongs to
 * one org (`orgId`): only that org's orders reach it, and it cannot move to another org.
 */
export const systemPutSchema = z
  .object({
    orgId: idSchema,
    name: z.string().min(1).max(200),
    callbackUrl: z.string().min(1).max(2048),
    /** Where the product pulls new orders (SPEC §4.6, docs/orders.md); absent: never pulled. */
    orderFetchUrl: z.string().min(1).max(2048).optional(),
    rotateSecret: z.boolean().optional(),
  })
  .strict();
export type SystemPut = z.infer<typeof systemPutSchema>;

/** A registered system as stored (its signing secret lives in the secrets store). */
export interface System {
  systemId: string;
  /** The owning org. Systems registered before orgs owned them have none until re-registered. */
  orgId: string;
  name: string;
  callbackUrl: string;
  /** The system's order feed (pulled on demand and by schedule); absent: not pulled. */
  orderFetchUrl?: string;
  updatedAt: string;
}
