/** The HTTP API as the console calls it: same routes, same bearer tokens as every client. */
import { getToken } from './auth.js';

let base = '';
export const setApiUrl = (url: string): void => {
  base = url.replace(/\/+$/, '');
};

/** An API refusal, with the API's own message (shown to the operator as is). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

type Query = Record<string, string | number | undefined | null>;

/** `path?query` without empty values. */
export const withQuery = (path: string, q: Query = {}): string => {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(q))
    if (v !== undefined && v !== null && v !== '') params.set(k, String(v));
  const s = params.toString();
  return s ? `${path}?${s}` : path;
};

export async function api<T = unknown>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { authorization: `Bearer ${getToken() ?? ''}` };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${base}${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let json: unknown = undefined;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {}
  if (!res.ok) {
    const err = (json as { error?: { message?: string }; message?: string } | undefined) ?? {};
    const msg = err.error?.message ?? err.message ?? (text || res.statusText);
    throw new ApiError(res.status, `${res.status}: ${msg}`);
  }
  return json as T;
}

/** One page of a list route. */
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}
