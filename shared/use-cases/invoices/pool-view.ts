/**
 * The operator's read-only view of the invoice pool (issue 17, the console's invoice pool screen):
 * any org's pool, by number or page by page, with no display rule hiding anything, and one invoice
 * with its linked users. Shapes are the expense routes' (`GET /invoices`, `GET /invoices/{id}`).
 */
import * as z from 'zod';
import type { Deps } from '../../deps.js';
import { NotFound } from '../../domain/errors.js';
import { kindSchema } from '../../domain/schemas/cloud.js';
import { cursorSchema, idSchema, limitSchema, pageQuery } from '../../domain/schemas/common.js';
import { locateInvoice, readInvoice } from './edit.js';
import { withLabels } from './labels.js';

/** The expense system's pool list (`GET /invoices`). */
export const invoiceListQuery = pageQuery.extend({
  /** Default: the token's org (an expense system); an operator must name it. */
  orgId: idSchema.optional(),
  type: kindSchema.default('input'),
  expendStatus: z.coerce.number().int().optional(),
  checkStatus: z.coerce.number().int().optional(),
});

export const poolQuery = z.object({
  orgId: idSchema,
  type: kindSchema.default('input'),
  /** An exact invoice number (8 or 20 digits): answers that number's invoices in one page. */
  invoiceNo: z
    .string()
    .regex(/^(\d{8}|\d{20})$/, '8 or 20 digits')
    .optional(),
  expendStatus: z.coerce.number().int().optional(),
  checkStatus: z.coerce.number().int().optional(),
  limit: limitSchema,
  cursor: cursorSchema,
});
export type PoolQuery = z.infer<typeof poolQuery>;

/**
 * One page of an org's pool for an operator. Unlike the expense system's list, the pool's display
 * switches (`hideUnusedInPool`, `showUncheckedInPool`) do not apply: operators look for what is
 * there. By number: the number's invoices of this org and kind, one page, no cursor.
 */
export const searchPool = async (q: PoolQuery, deps: Deps<'invoices', never>) => {
  const statusFits = (i: { expendStatus: number; checkStatus: number }) =>
    (q.expendStatus === undefined || i.expendStatus === q.expendStatus) &&
    (q.checkStatus === undefined || i.checkStatus === q.checkStatus);
  if (q.invoiceNo) {
    const found = await deps.stores.invoices.findByNumber(q.invoiceNo);
    const items = found.filter((i) => i.orgId === q.orgId && i.type === q.type && statusFits(i));
    return { items: items.slice(0, q.limit).map(withLabels), nextCursor: null };
  }
  const filter = {
    hideUnused: false,
    hideUnchecked: false,
    expendStatus: q.expendStatus,
    checkStatus: q.checkStatus,
  };
  const page = await deps.stores.invoices.list(q.orgId, q.type, filter, q.limit, q.cursor);
  return { ...page, items: page.items.map(withLabels) };
};

/**
 * One invoice of `orgId` as the expense route shows it, plus `linkedUsers` (the users whose
 * folders hold it: its first user — whom its attachments are bound to — then the others in link
 * order). An id of another org is a 404, as everywhere.
 */
export const poolInvoice = async (
  orgId: string,
  invoiceId: string,
  deps: Deps<'invoices' | 'links', never>,
) => {
  if (locateInvoice(invoiceId).orgId !== orgId)
    throw new NotFound(`invoiceId: no invoice ${invoiceId}`);
  const [{ invoice, version, firstUser: first }, linked] = await Promise.all([
    readInvoice(invoiceId, deps),
    deps.stores.links.usersOf(invoiceId),
  ]);
  const linkedUsers =
    first && linked.includes(first) ? [first, ...linked.filter((u) => u !== first)] : linked;
  return { body: { ...withLabels(invoice), linkedUsers }, version };
};
