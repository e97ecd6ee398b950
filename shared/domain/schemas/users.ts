import * as z from 'zod';
import { idSchema, phoneSchema } from './common.js';

export const userPutSchema = z
  .object({
    name: z.string().min(1).max(100),
    phone: phoneSchema,
    orgIds: z.array(idSchema).max(200),
  })
  .strict();

export interface User {
  userId: string;
  name: string;
  phone: string;
  orgIds: string[];
  updatedAt: string;
}
