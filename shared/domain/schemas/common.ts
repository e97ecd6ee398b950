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
/**
 * An order number: 1–64 characters, none of them control or format characters (NUL, bidi
 * overrides, zero-width marks), so a number cannot hide or spoof another in the console.
 */
export const orderNoSchema = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[^\p{Cc}\p{Cf}]+$/u, 'no control or invisible formatting characters');
export const limitSchema = z.coerce.number().int().min(1).max(200).default(50);
export const cursorSchema = z.string().max(2048).optional();
/** A list request's paging (every list route takes it). */
export const pageQuery = z.object({ limit: limitSchema, cursor: cursorSchema });
/** The org a request names (`?orgId=`). */
export const orgQuery = z.object({ orgId: idSchema });

/** Mainland China mobile number. */
export const phoneSchema = z
  .string()
  .regex(/^1[3-9]\d{9}$/, 'a mainland mobile number of 11 digits starting 13–19');

/** Mask a phone number for logs and run messages: 138****8000. */
export const maskPhone = (phone: string): string =>
  phone.length >= 7 ? `${phone.slice(0, 3)}****${phone.slice(-4)}` : '****';

/** Keys naming `Object.prototype` machinery: refused in free-form JSON (security review L5). */
const RESERVED_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
/** Nesting free-form JSON may have: deeper input would recurse in the DynamoDB marshaller. */
const MAX_JSON_DEPTH = 32;

/**
 * The first problem of a free-form JSON value stored as it came (an order's data): a key named
 * `constructor`, `__proto__` or `prototype` (the DynamoDB marshaller reads `constructor` to pick a
 * type, so such a key crashes it), or nesting deeper than 32. Walks without recursion.
 */
export const freeFormProblem = (
  value: unknown,
): { path: (string | number)[]; message: string } | null => {
  const stack: { v: unknown; path: (string | number)[] }[] = [{ v: value, path: [] }];
  for (let next = stack.pop(); next; next = stack.pop()) {
    const { v, path } = next;
    if (v === null || typeof v !== 'object') continue;
    if (path.length > MAX_JSON_DEPTH)
      return { path, message: `nested more than ${MAX_JSON_DEPTH} levels deep` };
    for (const key of Object.keys(v)) {
      if (RESERVED_KEYS.has(key))
        return { path: [...path, key], message: `a key named "${key}" is not allowed` };
      stack.push({ v: (v as Record<string, unknown>)[key], path: [...path, key] });
    }
  }
  return null;
};

/**
 * A refinement for free-form JSON kept as sent: at most `maxBytes` serialised, no reserved keys,
 * bounded nesting (security review M1/L5). Use as `.superRefine(freeFormJson(16 * 1024))`.
 */
export const freeFormJson =
  (maxBytes: number) =>
  (value: unknown, ctx: z.RefinementCtx): void => {
    const problem = freeFormProblem(value);
    if (problem) {
      ctx.addIssue({ code: 'custom', path: problem.path, message: problem.message });
      return;
    }
    const size = Buffer.byteLength(JSON.stringify(value) ?? '');
    if (size > maxBytes)
      ctx.addIssue({
        code: 'custom',
        path: [],
        message: `at most ${Math.round(maxBytes / 1024)} KB of JSON (this is ${size} bytes)`,
      });
  };
