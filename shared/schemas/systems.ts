import * as z from 'zod';

/** `PUT /systems/{systemId}`: a heterogeneous (customer) system's registration. */
export const systemPutSchema = z
  .object({
    name: z.string().min(1).max(200),
    callbackUrl: z.string().min(1).max(2048),
    rotateSecret: z.boolean().optional(),
  })
  .strict();
export type SystemPut = z.infer<typeof systemPutSchema>;

/** A registered system as stored (its signing secret lives in the secrets store). */
export interface System {
  systemId: string;
  name: string;
  callbackUrl: string;
  updatedAt: string;
}
