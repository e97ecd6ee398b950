/**
 * Code names for operators and the expense system (issue 14): `invoiceType` and `invoiceStatus`
 * are the vendor's numbers; these add their zh/en names beside them, keeping unknown codes (named
 * as unknown, never rejected). Additive: the SPEC's field names and values stay as they are.
 */
import {
  invoiceStatusLabel,
  invoiceTypeLabel,
  type CodeLabel,
} from '../../adapters/cloud/contract.js';

/** A code as the vendor may send it (a number, or defensively a numeric string); else null. */
const codeOf = (v: unknown): number | null => {
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return v;
  if (typeof v === 'string' && /^\d{1,6}$/.test(v)) return Number(v);
  return null;
};

export interface CodeLabels {
  invoiceTypeLabel: CodeLabel | null;
  invoiceStatusLabel: CodeLabel | null;
}

/** The labels of a record's `invoiceType` and `invoiceStatus` (null where a code is unreadable). */
export const codeLabels = (r: { invoiceType?: unknown; invoiceStatus?: unknown }): CodeLabels => {
  const type = codeOf(r.invoiceType);
  const status = codeOf(r.invoiceStatus);
  return {
    invoiceTypeLabel: type === null ? null : invoiceTypeLabel(type),
    invoiceStatusLabel: status === null ? null : invoiceStatusLabel(status),
  };
};

/** An invoice as the API answers it: its fields, plus the labels of its codes. */
export const withLabels = <T extends { invoiceType?: unknown; invoiceStatus?: unknown }>(
  invoice: T,
): T & CodeLabels => ({ ...invoice, ...codeLabels(invoice) });
