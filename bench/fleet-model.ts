/**
 * The fleet extrapolation: from figures measured at reduced scale to a first-day migration of
 * 10,000 orgs × 200,000 invoices on AWS, one night per limit (cloud, Lambda, DynamoDB); the
 * longest one binds. Every assumption is a named input, printed with the result.
 */
import { FUNCTIONS } from '#functions/catalog.js';
import { MAX_PAGE_SIZE } from '#shared/adapters/cloud/contract.js';
export interface Assumptions {
  orgs: number;
  invoicesPerOrg: number;
  nightHours: number;
  pageSize: number;
  /** The vendor's limits (assumed: the API document states none) and the share the product uses. */
  cloudGlobalRps: number;
  cloudClientRps: number;
  productShare: number;
  /** The cloud's answer time for one full page (assumed). */
  pageLatencyS: number;
  /** Deployed sync-worker cap (SQS maxConcurrency) and the account's concurrency. */
  workerCap: number;
  accountConcurrency: number;
  /** DynamoDB on-demand: default per-table write quota, and a new table's warm throughput. */
  tableWriteQuota: number;
  tableWarmWrites: number;
}
export const AWS_ASSUMPTIONS: Assumptions = {
  orgs: 10_000,
  invoicesPerOrg: 200_000,
  nightHours: 8,
  pageSize: MAX_PAGE_SIZE,
  cloudGlobalRps: 200,
  cloudClientRps: 10,
  productShare: 0.8,
  pageLatencyS: 0.5,
  workerCap: FUNCTIONS['sync-worker'].maxConcurrency,
  accountConcurrency: 1000,
  tableWriteQuota: 40_000,
  tableWarmWrites: 4_000,
};

/** What the bench measured. */
export interface Measured {
  /** Cloud calls per org beyond its list pages (token, catch-up pass). */
  overheadCallsPerOrg: number;
  /** Worker time per invoice written (DynamoDB Local here: pessimistic for AWS). */
  workerMsPerInvoice: number;
  /** Write request units per invoice (item size, its GSIs and links). */
  wruPerInvoice: number;
}

const H = 3600;
export const extrapolate = (a: Assumptions, m: Measured) => {
  const night = a.nightHours * H;
  const invoices = a.orgs * a.invoicesPerOrg;
  const pagesPerOrg = Math.ceil(a.invoicesPerOrg / a.pageSize);
  const callsPerOrg = pagesPerOrg + m.overheadCallsPerOrg;
  const calls = a.orgs * callsPerOrg;
  const globalRps = a.cloudGlobalRps * a.productShare;
  const clientRps = a.cloudClientRps * a.productShare;
  // One page after another per org: its answer, then its writes.
  const pageS = a.pageLatencyS + (a.pageSize * m.workerMsPerInvoice) / 1000;
  const orgS = Math.max(pagesPerOrg * pageS, callsPerOrg / clientRps);
  const workerS = a.orgs * orgS;
  const wru = invoices * m.wruPerInvoice;
  const cloudS = calls / globalRps;
  const lambdaAt = (n: number) => workerS / Math.min(n, a.orgs);
  const ddbAt = (wrus: number) => wru / wrus;
  const needWorkers = Math.ceil(workerS / night);
  const needWrus = Math.ceil(wru / night);
  const deployed = {
    cloud: cloudS,
    lambda: lambdaAt(a.workerCap),
    dynamodb: ddbAt(a.tableWriteQuota),
  };
  // Sized to keep pace with the cloud: then the cloud's limit alone sets the night.
  const paceWorkers = Math.ceil(workerS / cloudS);
  const paceWrus = Math.ceil(wru / cloudS);
  // The account keeps 100 unreserved executions and the API reserves 95.
  const workersFit = paceWorkers <= a.accountConcurrency - 195;
  const binding = (t: Record<string, number>) =>
    Object.entries(t).reduce((x, y) => (y[1] > x[1] ? y : x));
  return {
    invoices,
    callsPerOrg,
    calls,
    globalRps,
    clientRps,
    orgMinS: orgS,
    workerS,
    wru,
    needWorkers,
    needWrus,
    paceWorkers,
    paceWrus,
    workersFit,
    deployed,
    deployedBinding: binding(deployed),
  };
};
export type Extrapolation = ReturnType<typeof extrapolate>;

const n0 = (x: number) => Math.round(x).toLocaleString('en-US');
const hours = (s: number) => `${(s / H).toFixed(1)} h`;

/** The extrapolation as lines for the console. */
export const describe = (a: Assumptions, m: Measured, e: Extrapolation): string[] => [
  `extrapolation to ${n0(a.orgs)} orgs × ${n0(a.invoicesPerOrg)} invoices ` +
    `(${(e.invoices / 1e9).toFixed(1)} billion) on AWS, night ${a.nightHours} h:`,
  `  cloud: ${n0(e.calls)} calls (${n0(e.callsPerOrg)} per org: pages of ${a.pageSize} + ` +
    `${m.overheadCallsPerOrg.toFixed(1)}) at ${n0(e.globalRps)}/s ` +
    `(${a.productShare * 100} % of an assumed vendor limit of ${a.cloudGlobalRps}/s in all, ` +
    `${a.cloudClientRps}/s per client) → ${hours(e.deployed.cloud)}`,
  `  Lambda: ${m.workerMsPerInvoice.toFixed(3)} ms worker time per invoice (measured locally) + ` +
    `${a.pageLatencyS} s per page at the cloud (assumed) → ${n0(e.orgMinS)} s per org, ` +
    `${n0(e.workerS / H)} worker-hours; deployed cap ${a.workerCap} → ` +
    `${hours(e.deployed.lambda)}; ${a.nightHours} h needs ≥ ${n0(e.needWorkers)} ` +
    'concurrent workers',
  `  DynamoDB: ${m.wruPerInvoice.toFixed(2)} WRU per invoice (measured item sizes and indexes) → ` +
    `${(e.wru / 1e9).toFixed(1)} billion WRU; at the default table quota of ` +
    `${n0(a.tableWriteQuota)} WRU/s → ${hours(e.deployed.dynamodb)}; ${a.nightHours} h needs ` +
    `${n0(e.needWrus)} WRU/s (quota increase, and warm throughput set to it beforehand: a new ` +
    `on-demand table starts at ${n0(a.tableWarmWrites)})`,
  `  night with the deployed settings: ${hours(e.deployedBinding[1])} (binds: ` +
    `${e.deployedBinding[0]})`,
  `  night at the cloud's pace: ${hours(e.deployed.cloud)} (binds: cloud) with a sync-worker ` +
    `cap of ${n0(e.paceWorkers)}` +
    (e.workersFit ? '' : ` (above the account's ${n0(a.accountConcurrency)}: raise it)`) +
    ` and a table write quota and warm throughput of ${n0(e.paceWrus)} WRU/s — ` +
    (e.deployed.cloud <= a.nightHours * H
      ? `fits ${a.nightHours} h`
      : `does NOT fit ${a.nightHours} h: the vendor's limit must rise`),
];
