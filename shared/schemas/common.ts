import * as z from 'zod';
import { isCalendarDate } from '../time/cst.js';

export const dateSchema = z
  .string()
  .refine(isCalendarDate, { message: 'must be a calendar date yyyy-MM-dd' });
export const idSchema = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9_.:-]+$/, 'letters, digits and _ . : - only');
export const limitSchema = z.coerce.number().int().min(1).max(200).default(50);
export const cursorSchema = z.string().max(2048).optional();

/** Mainland China mobile number. */
export const phoneSchema = z
  .string()
  .regex(/^1[3-9]\d{9}$/, 'a mainland mobile number of 11 digits starting 13–19');

/** Mask a phone number for logs and run messages: 138****8000. */
export const maskPhone = (phone: string): string =>
  phone.length >= 7 ? `${phone.slice(0, 3)}****${phone.slice(-4)}` : '****';
