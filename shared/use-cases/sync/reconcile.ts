/**
 * Reconciliation: the cloud's ledger for an org/type/date against the pool, with the differences.
 */
import type { Deps } from '../../deps.js';
import { DomainError, NotFound, Unprocessable } from '../../domain/errors.js';
import type { Kind } from '../../domain/schemas/cloud.js';
import { CloudError } from '../../adapters/cloud/transport.js';
import { codeLabels } from '../invoices/labels.js';
import { authOfOrg, RunFailure } from './credentials.js';
import { MAX_RUN_PAGES, withinRunPages } from './phases/main-pass.js';

const LIST_BOUND = 100;
const PAGE_SIZE = 500;

/** The cloud answered something reconciliation cannot use: a 502 saying what. */
const badGateway = (message: string) => new DomainError(502, 'BAD_GATEWAY', message);
const tooMany = (total: number) =>
  badGateway(
    `the invoice cloud reports ${total} invoices for this window: more than reconciliation ` +
      `reads (${MAX_RUN_PAGES} pages of ${PAGE_SIZE}); reconcile one day (dataDate)`,
  );
const shortPage = (total: number, pageNo: number, got: number) =>
  badGateway(
    `the invoice cloud reports ${total} invoices, but page ${pageNo} came back with ${got}: ` +
      'its ledger changed while it was read, or its total is wrong; reconcile again later',
  );

interface Codes {
  invoiceType: unknown;
  invoiceStatus: unknown;
}

/**
 * Every serial of the cloud's ledger for the window, with its codes. Bounded: a `total` beyond
 * the engine's page cap, or a page short of what the total promises, ends it with a 502 rather
 * than paging for ever or counting what was never read.
 */
const readCloud = async (
  list: (pageNo: number) => Promise<{ total: number; list: unknown[] }>,
): Promise<{ total: number; cloud: Map<string, Codes> }> => {
  const cloud = new Map<string, Codes>();
  for (let pageNo = 1; ; pageNo++) {
    const page = await list(pageNo).catch((e: unknown) => {
      throw e instanceof CloudError ? badGateway(`invoice cloud: ${e.message}`) : e;
    });
    const total = page.total;
    if (!withinRunPages(total, PAGE_SIZE)) throw tooMany(total);
    for (const r of page.list) {
      const rec = (r ?? {}) as { serialNo?: unknown } & Partial<Codes>;
      if (typeof rec.serialNo === 'string')
        cloud.set(rec.serialNo, { invoiceType: rec.invoiceType, invoiceStatus: rec.invoiceStatus });
    }
    if (pageNo * PAGE_SIZE >= total) return { total, cloud };
    if (page.list.length < PAGE_SIZE) throw shortPage(total, pageNo, page.list.length);
  }
};

/**
 * Reconcile an org/type (optionally one CST day): the cloud's count against the pool's, and the
 * serials missing on either side. The differences (first 100 per side) carry each invoice's type
 * and status codes with their names, so an operator can see what is missing without looking up.
 */
export const reconcile = async (
  q: { orgId: string; type: Kind; dataDate?: string | undefined },
  deps: Deps<'config' | 'invoices', never>,
) => {
  const org = await deps.stores.config.getOrg(q.orgId);
  if (!org) throw new NotFound(`orgId: organisation ${q.orgId} does not exist`);
  const auth = await authOfOrg(org, deps).catch((e: unknown) => {
    throw e instanceof RunFailure ? new Unprocessable(e.message) : e;
  });
  const window = q.dataDate
    ? { updateTimeStart: `${q.dataDate} 00:00:00`, updateTimeEnd: `${q.dataDate} 23:59:59` }
    : {};
  const { total, cloud } = await readCloud((pageNo) =>
    deps.cloud.listInvoices(auth, q.type, { ...window, pageNo, pageSize: PAGE_SIZE }),
  );
  const pool = new Set(await deps.stores.invoices.serials(q.orgId, q.type, q.dataDate));
  const missingInPool = [...cloud.keys()].filter((s) => !pool.has(s)).sort();
  const missingInCloud = [...pool].filter((s) => !cloud.has(s)).sort();
  const shownInPool = missingInPool.slice(0, LIST_BOUND);
  const shownInCloud = missingInCloud.slice(0, LIST_BOUND);
  const pooled = await deps.stores.invoices.getCloudMany(q.orgId, q.type, shownInCloud);
  const difference = (serialNo: string, side: string, c: Partial<Codes> | undefined) => ({
    serialNo,
    side,
    invoiceType: c?.invoiceType ?? null,
    invoiceStatus: c?.invoiceStatus ?? null,
    ...codeLabels(c ?? {}),
  });
  return {
    orgId: q.orgId,
    type: q.type,
    dataDate: q.dataDate ?? null,
    cloudCount: total,
    poolCount: pool.size,
    matched: missingInPool.length === 0 && missingInCloud.length === 0 && total === pool.size,
    missingInPoolCount: missingInPool.length,
    missingInCloudCount: missingInCloud.length,
    missingInPool: shownInPool,
    missingInCloud: shownInCloud,
    differences: [
      ...shownInPool.map((s) => difference(s, 'missingInPool', cloud.get(s))),
      ...shownInCloud.map((s) => difference(s, 'missingInCloud', pooled.get(s))),
    ],
  };
};
