/** Reconciliation: the cloud's ledger for an org/type/date against the pool, with the differences. */
import type { Deps } from '../deps.js';
import { NotFound } from '../errors.js';
import type { Kind } from '../schemas/cloud.js';
import { cloudAuthFor, RunFailure } from './credentials.js';
import { Unprocessable } from '../errors.js';

const LIST_BOUND = 100;

export const reconcile = async (
  q: { orgId: string; type: Kind; dataDate?: string | undefined },
  deps: Deps<'config' | 'invoices', never>,
) => {
  const org = await deps.stores.config.getOrg(q.orgId);
  if (!org) throw new NotFound(`orgId: organisation ${q.orgId} does not exist`);
  const { auth } = await cloudAuthFor(q.orgId, deps).catch((e: unknown) => {
    throw e instanceof RunFailure ? new Unprocessable(e.message) : e;
  });
  const window = q.dataDate
    ? { updateTimeStart: `${q.dataDate} 00:00:00`, updateTimeEnd: `${q.dataDate} 23:59:59` }
    : {};
  const cloud = new Set<string>();
  let total: number;
  for (let pageNo = 1; ; pageNo++) {
    const page = await deps.cloud.listInvoices(auth, q.type, { ...window, pageNo, pageSize: 500 });
    total = page.total;
    for (const r of page.list) {
      const s = (r as { serialNo?: unknown } | null)?.serialNo;
      if (typeof s === 'string') cloud.add(s);
    }
    if (page.list.length < 500 || pageNo * 500 >= page.total) break;
  }
  const pool = new Set(await deps.stores.invoices.serials(q.orgId, q.type, q.dataDate));
  const missingInPool = [...cloud].filter((s) => !pool.has(s)).sort();
  const missingInCloud = [...pool].filter((s) => !cloud.has(s)).sort();
  return {
    orgId: q.orgId,
    type: q.type,
    dataDate: q.dataDate ?? null,
    cloudCount: total,
    poolCount: pool.size,
    matched: missingInPool.length === 0 && missingInCloud.length === 0 && total === pool.size,
    missingInPoolCount: missingInPool.length,
    missingInCloudCount: missingInCloud.length,
    missingInPool: missingInPool.slice(0, LIST_BOUND),
    missingInCloud: missingInCloud.slice(0, LIST_BOUND),
  };
};
