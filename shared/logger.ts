import { Logger } from '@aws-lambda-powertools/logger';
import { maskPhone } from './schemas/common.js';

/** One structured logger; phone numbers and bearer tokens are masked before anything is written. */
const PHONE = /(?<!\d)1[3-9]\d{9}(?!\d)/g;
const BEARER = /(Bearer\s+)[A-Za-z0-9._-]+/g;

export const redact = (value: unknown): unknown => {
  if (typeof value === 'string')
    return value.replace(PHONE, (p) => maskPhone(p)).replace(BEARER, '$1***');
  if (Array.isArray(value)) return value.map(redact);
  if (value instanceof Error)
    return { name: value.name, message: redact(value.message), stack: value.stack };
  if (value && typeof value === 'object')
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [
        k,
        /secret|password|token|authorization/i.test(k) ? '***' : redact(v),
      ]),
    );
  return value;
};

const base = new Logger({ serviceName: 'invoice-cloud-bridge' });

/** Local mode and tests quieten the logger at start-up (the env var is read when the module loads). */
export const setLogLevel = (level: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR' | 'SILENT'): void =>
  base.setLogLevel(level);

type Extra = Record<string, unknown>;
export const logger = {
  debug: (msg: string, extra: Extra = {}) => base.debug(msg, redact(extra) as Extra),
  info: (msg: string, extra: Extra = {}) => base.info(msg, redact(extra) as Extra),
  warn: (msg: string, extra: Extra = {}) => base.warn(msg, redact(extra) as Extra),
  error: (msg: string, extra: Extra = {}) => base.error(msg, redact(extra) as Extra),
};
