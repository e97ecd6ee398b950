/** Cloud records and contexts for the unit tier: valid by default, one field changed per test. */
import { DEFAULT_CONFIG, type GlobalConfig } from '#shared/domain/schemas/config.js';
import type { CloudInvoice } from '#shared/domain/schemas/cloud.js';
import type { UpsertContext } from '#shared/use-cases/sync/upsert.js';

export const record = (over: Partial<CloudInvoice> = {}): CloudInvoice => ({
  serialNo: 'S1',
  invoiceType: 26,
  invoiceCode: null,
  invoiceNo: '12345678',
  invoiceDate: '2024-07-01',
  salerName: 'Seller Ltd',
  salerTaxNo: '91110000000000000X',
  buyerName: 'Buyer Ltd',
  buyerTaxNo: '91110000000000001X',
  invoiceAmount: '100.00',
  totalTaxAmount: '13.00',
  totalAmount: '113.00',
  items: [{ name: 'paper', amount: '100.00' }],
  checkStatus: 1,
  expendStatus: 30,
  invoiceStatus: 0,
  invoiceTag: 'from the cloud',
  users: [],
  invoiceFiles: [],
  billCreateTime: '2024-07-01 09:00:00',
  updateTime: '2024-07-02 10:00:00',
  ...over,
});

export const upsertCtx = (config: Partial<GlobalConfig> = {}): UpsertContext => ({
  orgId: 'org-1',
  kind: 'input',
  config: { ...DEFAULT_CONFIG, ...config },
  at: '2024-07-03T00:00:00.000Z',
});
