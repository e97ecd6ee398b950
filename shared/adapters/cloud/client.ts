/**
 * The invoice-cloud client (INVOICE_CLOUD_API.md v2): the MD5-signed token per clientId (cached
 * until shortly before `expires_in`) for the invoice list, with `access_token`/`reqid`/`taxNo` on
 * the query string and one refresh on 1300; the body-signed calls (bills, invoices of a bill,
 * invoice details) with `client_id`/`timestamp`/`sign`/`tin` in the body and a `reqid` on the query
 * string; the push channel (push.ts). Paths, names and codes come from contract.ts; retries from
 * transport.ts.
 */
import type { Kind } from '../../domain/schemas/cloud.js';
import {
  cachedToken,
  readToken,
  signed,
  type CloudAuth,
  type PollToken,
  type TokenCache,
} from './auth.js';
import {
  CLOUD_PATHS,
  CODES,
  WIRE,
  type BillDeleteBody,
  type BillSaveBody,
  type BillStatusBody,
  type PushMessage,
} from './contract.js';
import type { CloudLimiter } from './limiter.js';
import { pushChannel } from './push.js';
import {
  CloudError,
  createTransport,
  isOk,
  refusal,
  type CloudObserver,
  type CloudReply,
  type RetryPolicy,
} from './transport.js';

export {
  CloudError,
  DEFAULT_RETRY,
  type CloudObserver,
  type CloudReply,
  type RetryPolicy,
} from './transport.js';
export type { CloudAuth, PollToken } from './auth.js';

export interface ListQuery {
  updateTimeStart?: string;
  updateTimeEnd?: string;
  pageNo: number;
  pageSize: number;
}
export interface ListPage {
  total: number;
  pageNo: number;
  pageSize: number;
  /** Raw records: the caller validates each one (a malformed record is skipped, not fatal). */
  list: unknown[];
}
/** What the product asks of the invoice cloud (one module speaks its wire format). */
export interface CloudClient {
  listInvoices(auth: CloudAuth, kind: Kind, q: ListQuery): Promise<ListPage>;
  /** One call per bill, bounded concurrency; bills that come back empty are `notFound`. */
  invoicesByBills(
    auth: CloudAuth,
    billNos: string[],
  ): Promise<{ list: unknown[]; notFound: string[] }>;
  /** Raw records of the given serial numbers (the push channel's detail query). */
  invoiceDetails(auth: CloudAuth, serialNos: string[]): Promise<unknown[]>;
  saveBill(auth: CloudAuth, body: BillSaveBody): Promise<CloudReply>;
  billStatus(auth: CloudAuth, body: BillStatusBody): Promise<CloudReply>;
  deleteBill(auth: CloudAuth, body: BillDeleteBody): Promise<CloudReply>;
  pollToken(auth: CloudAuth): Promise<PollToken>;
  /** The next push message, or null when the cloud has nothing yet (1307). */
  poll(auth: CloudAuth, token: string, linkKey: string): Promise<PushMessage | null>;
  ack(auth: CloudAuth, token: string, linkKey: string, msgId: string): Promise<void>;
}

/** How many by-bill queries run at once. */
const BY_BILL_CONCURRENCY = 4;

/** Runs `fn` over `items`, at most `limit` at a time, results in input order. */
const mapLimit = async <T, R>(items: T[], limit: number, fn: (t: T) => Promise<R>) => {
  const out: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
};

export const createCloudClient = (opts: {
  baseUrl: string;
  retry?: Partial<RetryPolicy>;
  /** Metrics: each call's duration and each throttling answer. */
  observe?: CloudObserver | undefined;
  /** Rate limits toward the cloud (limiter.ts); none: calls are not limited. */
  limiter?: CloudLimiter | undefined;
}): CloudClient => {
  const t = createTransport(opts);
  const tokens: TokenCache = new Map();

  const fetchToken = async (auth: CloudAuth) => {
    const path = CLOUD_PATHS.token;
    const answer = await t.request({
      method: 'POST',
      path,
      body: () => signed(auth),
      clientId: auth.clientId,
    });
    return readToken(path, auth, answer);
  };
  const token = (auth: CloudAuth, fresh: boolean): Promise<string> =>
    cachedToken(tokens, auth.clientId, fresh, () => fetchToken(auth));

  /** A token-authenticated call: one refresh on 1300. */
  const tokenCall = async (auth: CloudAuth, path: string, body: unknown): Promise<CloudReply> => {
    for (let refreshed = false; ; refreshed = true) {
      const accessToken = await token(auth, refreshed);
      const { reply } = await t.request({
        method: 'POST',
        path,
        traced: true,
        query: () => ({ [WIRE.accessToken]: accessToken, [WIRE.taxNo]: auth.taxNo }),
        body: () => body,
        clientId: auth.clientId,
      });
      if (isOk(reply)) return reply;
      if (reply.code !== CODES.tokenInvalid || refreshed) throw refusal(path, reply);
    }
  };

  /** A body-signed call: credentials and `tin` in the body, a `reqid` on the query string. */
  const signedCall = async (auth: CloudAuth, path: string, body: object): Promise<CloudReply> => {
    const { reply } = await t.request({
      method: 'POST',
      path,
      traced: true,
      body: () => ({ ...signed(auth), [WIRE.tin]: auth.taxNo, ...body }),
      clientId: auth.clientId,
    });
    if (isOk(reply)) return reply;
    throw refusal(path, reply);
  };
  const records = (reply: CloudReply, what: string): unknown[] => {
    if (Array.isArray(reply.data)) return reply.data;
    const msg = `${what}: answer has no data list`;
    throw new CloudError('BAD_DATA', msg, true, reply.reqid, reply.traceId);
  };

  return {
    async listInvoices(auth, kind, q) {
      const reply = await tokenCall(auth, CLOUD_PATHS.list(kind), { taxNo: auth.taxNo, ...q });
      const d = (reply.data ?? {}) as Record<string, unknown>;
      if (!Array.isArray(d.list) || typeof d.total !== 'number') {
        const msg = 'invoice list: data.list or data.total missing';
        throw new CloudError('BAD_DATA', msg, true, reply.reqid, reply.traceId);
      }
      return {
        total: d.total,
        pageNo: Number(d.pageNo ?? q.pageNo),
        pageSize: Number(d.pageSize ?? q.pageSize),
        list: d.list,
      };
    },
    async invoicesByBills(auth, billNos) {
      const bills = [...new Set(billNos)];
      const lists = await mapLimit(bills, BY_BILL_CONCURRENCY, async (billNo) =>
        records(
          await signedCall(auth, CLOUD_PATHS.invoicesOfBill, { [WIRE.billNumber]: billNo }),
          `invoices of bill ${billNo}`,
        ),
      );
      return {
        list: lists.flat(),
        notFound: bills.filter((_, i) => lists[i]!.length === 0),
      };
    },
    async invoiceDetails(auth, serialNos) {
      if (!serialNos.length) return [];
      const body = { [WIRE.serials]: serialNos.join(',') };
      return records(await signedCall(auth, CLOUD_PATHS.invoiceDetail, body), 'invoice details');
    },
    saveBill: (auth, body) => signedCall(auth, CLOUD_PATHS.billSave, body),
    billStatus: (auth, body) => signedCall(auth, CLOUD_PATHS.billStatus, body),
    deleteBill: (auth, body) => signedCall(auth, CLOUD_PATHS.billDelete, body),
    ...pushChannel(t),
  };
};
