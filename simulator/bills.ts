/** The simulator's bill endpoints: save (with force-write), status, delete. */
import type { CloudInvoice } from '#shared/schemas/cloud.js';

export interface SimBill {
  billNo: string;
  billId: string;
  userId: string;
  billStatus: string;
  dataSource: string;
  serialNos: string[];
  statusOf: Record<string, string>;
}

type Reply = [code: string, description: string, data?: unknown];
const str = (v: unknown): v is string => typeof v === 'string' && v.length > 0;

export const handleBills = (
  path: string,
  body: Record<string, unknown>,
  org: { ledgers: { input: CloudInvoice[] } },
  bills: Map<string, SimBill>,
  touch: (serialNo: string, patch: Partial<CloudInvoice>) => void,
): Reply | null => {
  const base = ['billNo', 'billId', 'userId', 'dataSource'];
  const need = (fields: string[]): Reply | null => {
    for (const f of fields) if (!str(body[f])) return ['1001', `${f} is required`];
    return null;
  };
  const known = (s: string) => org.ledgers.input.some((r) => r.serialNo === s);
  if (path === '/portal/reimburse/bill/save') {
    const bad = need([...base, 'billStatus']);
    if (bad) return bad;
    if (typeof body.forceWrite !== 'boolean') return ['1001', 'forceWrite must be a boolean'];
    const invoices = body.invoices;
    if (
      !Array.isArray(invoices) ||
      invoices.some((i) => !str((i as { serialNo?: unknown })?.serialNo))
    )
      return ['1001', 'invoices[].serialNo is required'];
    const serialNos = invoices.map((i) => (i as { serialNo: string }).serialNo);
    const unknown = serialNos.find((s) => !known(s));
    if (unknown) return ['1404', `invoice ${unknown} not found`];
    const billId = body.billId as string;
    for (const s of serialNos) {
      const other = [...bills.values()].find((b) => b.billId !== billId && b.serialNos.includes(s));
      if (other && body.forceWrite !== true)
        return ['1409', `invoice ${s} is used by bill ${other.billNo}`];
    }
    const prev = bills.get(billId);
    for (const s of prev?.serialNos ?? [])
      if (!serialNos.includes(s)) touch(s, { expendStatus: 1 });
    for (const s of serialNos) touch(s, { expendStatus: 30 });
    bills.set(billId, {
      billNo: body.billNo as string,
      billId,
      userId: body.userId as string,
      billStatus: body.billStatus as string,
      dataSource: body.dataSource as string,
      serialNos,
      statusOf: Object.fromEntries(serialNos.map((s) => [s, body.billStatus as string])),
    });
    return ['0000', '操作成功', { billId, serialNos }];
  }
  if (path === '/portal/reimburse/bill/status') {
    const bad = need([...base, 'billStatus']);
    if (bad) return bad;
    const bill = bills.get(body.billId as string);
    if (!bill) return ['1404', `bill ${String(body.billId)} not found`];
    const serialNos = Array.isArray(body.serialNos) ? (body.serialNos as string[]) : bill.serialNos;
    bill.billStatus = body.billStatus as string;
    for (const s of serialNos) {
      bill.statusOf[s] = bill.billStatus;
      if (bill.billStatus === '40') touch(s, { expendStatus: 60 });
    }
    return ['0000', '操作成功', { billId: bill.billId, serialNos }];
  }
  if (path === '/portal/reimburse/bill/delete') {
    const bad = need(base);
    if (bad) return bad;
    const bill = bills.get(body.billId as string);
    if (!bill) return ['1404', `bill ${String(body.billId)} not found`];
    bills.delete(bill.billId);
    for (const s of bill.serialNos) touch(s, { expendStatus: 1 });
    return ['0000', '操作成功', { billId: bill.billId, serialNos: bill.serialNos }];
  }
  return null;
};
