/**
 * The simulator's bill calls with the vendor's names (save, update invoice use status, delete), the
 * invoices of a bill and the invoice detail query. Bills are keyed by (tin, bxd_key). Saving puts
 * new invoices in use (30) and drops removed ones from the bill without releasing them: per the
 * vendor's release rule only a status update to `1` releases an invoice.
 */
import {
  CLOUD_PATHS,
  CODES,
  EXPENSE_STATUSES,
  WIRE,
  type ExpenseStatus,
} from '#shared/adapters/cloud/contract.js';
import type { CloudInvoice } from '#shared/domain/schemas/cloud.js';
import type { Reply } from './auth.js';

export interface SimBill {
  tin: string;
  billNo: string;
  billId: string;
  userId: string;
  dataSource: string;
  serialNos: string[];
  /** The use status last set per invoice (`30` when saved onto the bill). */
  expenseStatus: Record<string, string>;
}
/** The key of `sim.bills`: (tin, bxd_key). */
export const billKey = (tin: string, billId: string) => `${tin}/${billId}`;

interface BillOrg {
  taxNo: string;
  ledgers: { input: CloudInvoice[]; output: CloudInvoice[] };
}
type Touch = (serialNo: string, patch: Partial<CloudInvoice>) => void;
interface Call {
  body: Record<string, unknown>;
  org: BillOrg;
  bills: Map<string, SimBill>;
  touch: Touch;
}
type Handler = (c: Call) => Reply;

const str = (v: unknown): v is string => typeof v === 'string' && v.length > 0;
const need = (body: Record<string, unknown>, fields: string[]): Reply | null => {
  for (const f of fields) if (!str(body[f])) return [CODES.badRequest, `${f} is required`];
  return null;
};
const IDENT = ['eid', WIRE.billNumber, 'bxd_key'];
const done = (data: unknown = null): Reply => [CODES.ok, '操作成功', data];

const save: Handler = ({ body, org, bills, touch }) => {
  const bad = need(body, [...IDENT, 'resource']);
  if (bad) return bad;
  if (typeof body.forceWrite !== 'boolean')
    return [CODES.badRequest, 'forceWrite must be a boolean'];
  const data = body.data;
  const fids = Array.isArray(data) ? data.map((d) => (d as { fid?: unknown } | null)?.fid) : [];
  if (!Array.isArray(data) || !fids.every((f) => Array.isArray(f) && f.every(str)))
    return [CODES.badRequest, 'data[].fid is required (a list of invoice serial numbers)'];
  const serialNos = [...new Set(fids.flat())];
  const unknown = serialNos.find((s) => !org.ledgers.input.some((r) => r.serialNo === s));
  if (unknown) return [CODES.notFound, `invoice ${unknown} not found`];
  const key = billKey(org.taxNo, body.bxd_key as string);
  for (const s of serialNos) {
    const other = [...bills.entries()].find(
      ([k, b]) => k !== key && b.tin === org.taxNo && b.serialNos.includes(s),
    );
    if (other && body.forceWrite !== true)
      return [CODES.conflict, `invoice ${s} is used by bill ${other[1].billNo}`];
  }
  const prev = bills.get(key);
  const billNo = body[WIRE.billNumber] as string;
  for (const s of prev?.serialNos ?? []) if (!serialNos.includes(s)) touch(s, { billNo: null });
  const expenseStatus: Record<string, string> = {};
  for (const s of serialNos) {
    const kept = prev?.expenseStatus[s];
    expenseStatus[s] = kept ?? '30';
    touch(s, kept ? { billNo } : { billNo, expendStatus: 30 });
  }
  bills.set(key, {
    tin: org.taxNo,
    billNo,
    billId: body.bxd_key as string,
    userId: body.eid as string,
    dataSource: body.resource as string,
    serialNos,
    expenseStatus,
  });
  return done();
};

const status: Handler = ({ body, org, bills, touch }) => {
  const bad = need(body, IDENT);
  if (bad) return bad;
  const to = body.expenseStatus;
  if (!EXPENSE_STATUSES.includes(to as ExpenseStatus))
    return [CODES.badRequest, `expenseStatus must be one of ${EXPENSE_STATUSES.join(', ')}`];
  const items = body.invoiceData;
  const serials = Array.isArray(items)
    ? items.map((i) => (i as { serialNo?: unknown } | null)?.serialNo)
    : [];
  if (!Array.isArray(items) || !serials.every(str))
    return [CODES.badRequest, 'invoiceData[].serialNo is required'];
  const bill = bills.get(billKey(org.taxNo, body.bxd_key as string));
  if (!bill) return [CODES.notFound, `bill ${String(body.bxd_key)} not found`];
  const stray = serials.find((s) => !bill.serialNos.includes(s));
  if (stray) return [CODES.serialNotOnBill, `invoice ${stray} is not on bill ${bill.billNo}`];
  for (const s of serials) {
    bill.expenseStatus[s] = to as string;
    touch(s, { expendStatus: Number(to) });
  }
  return done();
};

const remove: Handler = ({ body, org, bills, touch }) => {
  const bad = need(body, IDENT);
  if (bad) return bad;
  const key = billKey(org.taxNo, body.bxd_key as string);
  const bill = bills.get(key);
  if (!bill) return [CODES.notFound, `bill ${String(body.bxd_key)} not found`];
  bills.delete(key);
  for (const s of bill.serialNos) touch(s, { billNo: null });
  return done();
};

/** Every input invoice on the bill (`data: []` for an unknown bill). */
const ofBill: Handler = ({ body, org }) => {
  const bad = need(body, [WIRE.billNumber]);
  if (bad) return bad;
  return done(org.ledgers.input.filter((r) => r.billNo === body[WIRE.billNumber]));
};
/** The records of the listed serial numbers (input or output; unknown ones are left out). */
const details: Handler = ({ body, org }) => {
  const bad = need(body, [WIRE.serials]);
  if (bad) return bad;
  const wanted = new Set((body[WIRE.serials] as string).split(','));
  const all = [...org.ledgers.input, ...org.ledgers.output];
  return done(all.filter((r) => wanted.has(r.serialNo)));
};

/** The body-signed calls by path. */
const HANDLERS: Readonly<Record<string, Handler>> = {
  [CLOUD_PATHS.billSave]: save,
  [CLOUD_PATHS.billStatus]: status,
  [CLOUD_PATHS.billDelete]: remove,
  [CLOUD_PATHS.invoicesOfBill]: ofBill,
  [CLOUD_PATHS.invoiceDetail]: details,
};
export const SIGNED_PATHS: ReadonlySet<string> = new Set(Object.keys(HANDLERS));
/** The body-signed call at `path`; null when `path` is none of them. */
export const handleSigned = (path: string, c: Call): Reply | null => HANDLERS[path]?.(c) ?? null;
