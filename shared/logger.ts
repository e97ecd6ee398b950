import { Logger } from '@aws-lambda-powertools/logger';
import { maskPhone } from './schemas/common.js';

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

const base = new Logger({ serviceName: 'invoice-cloud-bridge' });

/**
 * Local mode and tests quieten the logger at start-up (the env var is read when the module loads).
 */
export const setLogLevel = (level: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR' | 'SILENT'): void =>
  base.setLogLevel(level);

type Extra = Record<string, unknown>;
const clean = (msg: string, extra: Extra): [string, Extra] => [
  redactText(msg),
  redact(extra) as Extra,
];
export const logger = {
  debug: (msg: string, extra: Extra = {}) => base.debug(...clean(msg, extra)),
  info: (msg: string, extra: Extra = {}) => base.info(...clean(msg, extra)),
  warn: (msg: string, extra: Extra = {}) => base.warn(...clean(msg, extra)),
  error: (msg: string, extra: Extra = {}) => base.error(...clean(msg, extra)),
};
