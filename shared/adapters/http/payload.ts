import type { z } from 'zod';
import { BadRequest } from '../../domain/errors.js';

/** Parse a direct-invoke or queue payload; failures name every bad field in the message. */
export const parsePayload = <S extends z.ZodType>(
  schema: S,
  value: unknown,
  what: string,
): z.infer<S> => {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const details = r.error.issues.map((i) => ({
    path: i.path.join('.') || '(payload)',
    message: i.message,
  }));
  throw new BadRequest(
    `invalid ${what}: ${details.map((d) => `${d.path}: ${d.message}`).join('; ')}`,
    details,
  );
};

/** Parse a JSON string body (SQS) with the same rules. */
export const parseJsonPayload = <S extends z.ZodType>(
  schema: S,
  body: string,
  what: string,
): z.infer<S> => {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    throw new BadRequest(`invalid ${what}: body is not JSON`, [
      { path: '(body)', message: 'not JSON' },
    ]);
  }
  return parsePayload(schema, value, what);
};
