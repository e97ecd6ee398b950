import { AsyncLocalStorage } from 'node:async_hooks';
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { maskPhone } from './domain/schemas/common.js';
import { SERVICE } from './metrics.js';

/**
 * One structured logger; phone numbers, tokens and secrets are masked before anything is written:
 * in the message, in every field, and in an error's message, stack, own fields and cause chain.
 */
// Mainland mobile numbers, bare or with a +86 / 86 / 0086 prefix, whole or spaced (138 0013 8000).
const PHONE = /(?<![\d+])((?:(?:\+|00)?86[-\s]?)?)(1[3-9]\d(?:[-\s]?\d{4}){2})(?!\d)/g;
const BEARER = /\b(Bearer\s+)[^\s"',;]+/gi;
const JWT = /\beyJ[\w-]*\.[\w-]+\.[\w-]+/g;
const SIGNING_SECRET = /\b(whsec_)[A-Za-z0-9+/=]+/g;
const SECRET_WORDS = 'access_token|refresh_token|id_token|token|client_?secret|secret|password';
/** `name=value`, `name: value` and `"name":"value"` of a secret-named field inside text. */
const SECRET_PAIR = new RegExp(`\\b((?:${SECRET_WORDS})["']?\\s*[=:]\\s*["']?)[^&\\s"',;]+`, 'gi');
const SECRET_KEY = /secret|password|token|authorization/i;

const redactText = (s: string): string =>
  s
    .replace(
      PHONE,
      (_m, prefix: string, phone: string) => prefix + maskPhone(phone.replace(/\D/g, '')),
    )
    .replace(BEARER, '$1***')
    .replace(JWT, '***')
    .replace(SIGNING_SECRET, '$1***')
    .replace(SECRET_PAIR, '$1***');

const redactIn = (value: unknown, seen: WeakSet<object>): unknown => {
  if (typeof value === 'string') return redactText(value);
  if (!value || typeof value !== 'object') return value;
  if (seen.has(value)) return '[circular]';
  seen.add(value);
  if (Array.isArray(value)) return value.map((v) => redactIn(v, seen));
  const fields = (o: object) =>
    Object.entries(o).map(([k, v]) => [k, SECRET_KEY.test(k) ? '***' : redactIn(v, seen)]);
  if (value instanceof Error)
    return {
      ...Object.fromEntries(fields(value)),
      name: value.name,
      message: redactText(value.message),
      ...(value.stack ? { stack: redactText(value.stack) } : {}),
      ...(value.cause !== undefined ? { cause: redactIn(value.cause, seen) } : {}),
    };
  return Object.fromEntries(fields(value));
};

/**
 * A copy of `value` with phone numbers, tokens and secrets masked (errors become plain objects).
 */
export const redact = (value: unknown): unknown => redactIn(value, new WeakSet());

const base = new Logger({ serviceName: SERVICE });

/**
 * Local mode and tests quieten the logger at start-up (the env var is read when the module loads).
 */
export const setLogLevel = (level: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR' | 'SILENT'): void =>
  base.setLogLevel(level);

type Extra = Record<string, unknown>;

/**
 * Correlation ids of the work in progress (runId, billId + eventId, logId, the API request id, the
 * X-Ray traceId…). They live in async-local storage, not on the shared logger, so records handled
 * side by side (a callback batch, the by-bill queries) never see each other's ids, and nothing is
 * left behind when a scope ends: the next record or invocation starts clean.
 */
export type LogKeys = Record<string, string | number | undefined>;
const scope = new AsyncLocalStorage<LogKeys>();

/**
 * Run `work` with `keys` added to every log line it writes (nested scopes add to the outer ones;
 * an undefined key is left out).
 */
export const withLogKeys = <R>(keys: LogKeys, work: () => R): R => {
  const defined = Object.entries(keys).filter(([, v]) => v !== undefined && v !== '');
  return scope.run({ ...scope.getStore(), ...Object.fromEntries(defined) }, work);
};

/**
 * The X-Ray trace id of a trace header (`Root=1-…;Parent=…;Sampled=1` → `1-…`); a bare id as is.
 */
export const traceIdOf = (header: string | undefined): string | undefined => {
  if (!header) return undefined;
  const root = /(?:^|;)\s*Root=([^;]+)/.exec(header)?.[1];
  return root ?? (header.includes('=') ? undefined : header);
};

/**
 * A line's fields: the scope's correlation ids win over a field of the same name the caller passed
 * (the cloud's own `traceId` must not hide the X-Ray one); a different value of the caller's is
 * kept under `shadowed`.
 */
const fieldsOf = (extra: Extra): Extra => {
  const ids = scope.getStore() ?? {};
  const shadowed = Object.fromEntries(
    Object.entries(extra).filter(([k, v]) => k in ids && v !== undefined && v !== ids[k]),
  );
  return { ...extra, ...ids, ...(Object.keys(shadowed).length ? { shadowed } : {}) };
};
const clean = (msg: string, extra: Extra): [string, Extra] => [
  redactText(msg),
  redact(fieldsOf(extra)) as Extra,
];
export const logger = {
  debug: (msg: string, extra: Extra = {}) => base.debug(...clean(msg, extra)),
  info: (msg: string, extra: Extra = {}) => base.info(...clean(msg, extra)),
  warn: (msg: string, extra: Extra = {}) => base.warn(...clean(msg, extra)),
  error: (msg: string, extra: Extra = {}) => base.error(...clean(msg, extra)),
};

type Handler<E, R> = (event: E, context: Context) => Promise<R>;

/** The API Gateway request id and trace header of an HTTP API event, if `event` is one. */
const apiIds = (event: unknown): LogKeys => {
  if (!event || typeof event !== 'object') return {};
  const e = event as {
    requestContext?: { requestId?: unknown };
    headers?: Record<string, unknown>;
  };
  const requestId = e.requestContext?.requestId;
  const header = e.headers?.['x-amzn-trace-id'] ?? e.headers?.['X-Amzn-Trace-Id'];
  const traceId = typeof header === 'string' ? traceIdOf(header) : undefined;
  return {
    ...(typeof requestId === 'string' ? { apiRequestId: requestId } : {}),
    ...(traceId ? { traceId } : {}),
  };
};

/**
 * Every function's entry point: the Powertools logger gets the Lambda context (function name,
 * request id, cold start) through `injectLambdaContext` with its keys reset per invocation, and
 * the invocation runs in a fresh correlation scope holding the X-Ray `traceId` (the trace header
 * Lambda sets; an API request's own header wins) and, for the HTTP API, its request id. Use cases
 * add their ids (runId, billId, eventId, logId, reqid) with `withLogKeys`.
 */
export const withLambdaLogging = <E, R>(handler: Handler<E, R>): Handler<E, R> => {
  const wrapped = middy<E, R, Error, Context>()
    .use(injectLambdaContext(base, { resetKeys: true }))
    .handler((event, context) => handler(event, context));
  // A fresh scope per invocation: nothing of an earlier one (or of a caller) carries over.
  return (event, context) =>
    scope.run({}, () =>
      withLogKeys({ traceId: traceIdOf(process.env._X_AMZN_TRACE_ID), ...apiIds(event) }, () =>
        wrapped(event, context),
      ),
    );
};
