/**
 * Every path and bill body of the invoice-cloud contract (INVOICE_CLOUD_API.md), in one module so a
 * deployment can adapt them. Optional bill fields are always sent as `null`.
 */
import type { Kind } from '../schemas/cloud.js';

export const CLOUD_PATHS = {
  token: '/base/oauth/token',
  list: (kind: Kind) => `/portal/invoice/${kind}/list`,
  byBills: '/portal/invoice/input/by-bills',
  billSave: '/portal/reimburse/bill/save',
  billStatus: '/portal/reimburse/bill/status',
  billDelete: '/portal/reimburse/bill/delete',
} as const;

export const MAX_PAGE_SIZE = 500;

interface BillIdentity {
  billNo: string;
  billId: string;
  userId: string;
  dataSource: string;
}
export interface BillSaveBody extends BillIdentity {
  billStatus: string;
  forceWrite: boolean;
  invoices: { serialNo: string }[];
  billAmount: null;
  remark: null;
  billType: null;
  submitTime: null;
  deptId: null;
}
export interface BillStatusBody extends BillIdentity {
  billStatus: string;
  serialNos: string[];
  remark: null;
}
export interface BillDeleteBody extends BillIdentity {
  remark: null;
}

export const billSaveBody = (
  b: BillIdentity & { billStatus: string; forceWrite: boolean; serialNos: string[] },
): BillSaveBody => ({
  billNo: b.billNo,
  billId: b.billId,
  userId: b.userId,
  billStatus: b.billStatus,
  dataSource: b.dataSource,
  forceWrite: b.forceWrite,
  invoices: b.serialNos.map((serialNo) => ({ serialNo })),
  billAmount: null,
  remark: null,
  billType: null,
  submitTime: null,
  deptId: null,
});
export const billStatusBody = (
  b: BillIdentity & { billStatus: string; serialNos: string[] },
): BillStatusBody => ({
  billNo: b.billNo,
  billId: b.billId,
  userId: b.userId,
  billStatus: b.billStatus,
  dataSource: b.dataSource,
  serialNos: b.serialNos,
  remark: null,
});
export const billDeleteBody = (b: BillIdentity): BillDeleteBody => ({
  billNo: b.billNo,
  billId: b.billId,
  userId: b.userId,
  dataSource: b.dataSource,
  remark: null,
});
