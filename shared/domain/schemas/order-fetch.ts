/**
 * Order acquisition by pull (SPEC §4.6, `docs/orders.md`): the fetch contract a customer system
 * implements, and the operator route's reply. One source for the use case, the simulator's sample
 * feed and the OpenAPI document.
 */
import * as z from 'zod';
import { freeFormJson, orderNoSchema } from './common.js';

/** Orders asked for per page (`limit`): the most a system may answer with. */
export const FETCH_PAGE_LIMIT = 100;
/** Pages read per system per run: a run is bounded whatever the system answers. */
export const FETCH_MAX_PAGES = 10;
/** The longest opaque cursor a system may hand back. */
export const FETCH_CURSOR_MAX = 1024;

/**
 * One fetched order: the same fields `POST /billing/orders` takes, without `systemId` (the system
 * fetched from is the order's system). Validated one by one: a bad order is skipped and counted,
 * never fatal to its page.
 */
export const fetchedOrderSchema = z
  .object({ orderNo: orderNoSchema })
  .loose()
  .superRefine(freeFormJson(16 * 1024));

/**
 * A page of the system's order feed: `GET {orderFetchUrl}?limit=…[&cursor=…]` answers this.
 * `nextCursor` continues after this page; `null` means nothing more for now (the next run asks
 * again with the cursor that fetched this page). Orders are checked one by one afterwards.
 */
export const fetchPageSchema = z
  .object({
    orders: z.array(z.unknown()).max(FETCH_PAGE_LIMIT),
    nextCursor: z.string().min(1).max(FETCH_CURSOR_MAX).nullable(),
  })
  .loose();
export type FetchPage = z.infer<typeof fetchPageSchema>;

/** `POST /systems/{systemId}/fetch-orders` takes no body (an empty object at most). */
export const fetchOrdersRequestSchema = z.object({}).strict();

/** What one fetch of one system did: the route's reply, and each system's line in a schedule. */
export const fetchOrdersReplySchema = z.object({
  systemId: z.string(),
  /** Orders received in valid pages (repeats included). */
  fetched: z.number().int(),
  /** Orders logged by this fetch (new order numbers of the org): the rest were repeats. */
  logged: z.number().int(),
  /** Orders skipped because they were malformed (each named in `problems`). */
  rejected: z.number().int(),
  pages: z.number().int(),
  /** The stored cursor the next fetch starts from (`null`: from the beginning). */
  nextCursor: z.string().nullable(),
  /** True when the page budget ended the run with more pages waiting. */
  more: z.boolean(),
  /** Why the run stopped early (after its retries), or null; the next run tries again. */
  error: z.string().nullable(),
  problems: z.array(z.string()).max(5),
});
export type FetchOrdersReply = z.infer<typeof fetchOrdersReplySchema>;
