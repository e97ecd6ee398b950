/** The simulator's sorted ledgers: the list-by-change-time call and the binary searches it uses. */
import { CODES } from '#shared/adapters/cloud/contract.js';
import type { CloudInvoice } from '#shared/domain/schemas/cloud.js';
import type { Reply } from './auth.js';
import { compareLedger } from './data.js';

/**
 * The first index whose record fails `before` (the ledger is sorted, so `before` holds for a
 * prefix).
 */
const partitionPoint = (ledger: CloudInvoice[], before: (r: CloudInvoice) => boolean): number => {
  let lo = 0;
  let hi = ledger.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (before(ledger[mid]!)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
};
export const upperBound = (ledger: CloudInvoice[], r: CloudInvoice) =>
  partitionPoint(ledger, (x) => compareLedger(x, r) <= 0);
const lowerBoundTime = (ledger: CloudInvoice[], t: string) =>
  partitionPoint(ledger, (x) => x.updateTime < t);
const upperBoundTime = (ledger: CloudInvoice[], t: string) =>
  partitionPoint(ledger, (x) => x.updateTime <= t);

const TIME = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/;

/** `POST /portal/invoice/{kind}/list`: one page of the ledger within the update-time window. */
export const listPage = (ledger: CloudInvoice[], body: Record<string, unknown>): Reply => {
  const { pageNo, pageSize, updateTimeStart: start, updateTimeEnd: end } = body;
  if (!Number.isInteger(pageNo) || (pageNo as number) < 1)
    return [CODES.badRequest, 'pageNo must be an integer ≥ 1'];
  if (!Number.isInteger(pageSize) || (pageSize as number) < 1 || (pageSize as number) > 500)
    return [CODES.badRequest, 'pageSize must be an integer 1..500'];
  for (const [k, v] of [
    ['updateTimeStart', start],
    ['updateTimeEnd', end],
  ] as const)
    if (v !== undefined && v !== null && (typeof v !== 'string' || !TIME.test(v)))
      return [CODES.badRequest, `${k} must be yyyy-MM-dd HH:mm:ss`];
  const lo = typeof start === 'string' ? lowerBoundTime(ledger, start) : 0;
  const hi = typeof end === 'string' ? upperBoundTime(ledger, end) : ledger.length;
  const from = lo + ((pageNo as number) - 1) * (pageSize as number);
  const page = ledger.slice(Math.min(from, hi), Math.min(from + (pageSize as number), hi));
  return [CODES.ok, '操作成功', { total: Math.max(0, hi - lo), pageNo, pageSize, list: page }];
};
