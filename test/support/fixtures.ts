/**
 * Small fixtures several suites share: the cloud's result push, its invoice push, goods lines of a
 * record.
 */
import type { Harness } from './harness.js';

/** The invoice cloud pushing a BLUE result for `orderNo` (as hz's `cloud` role unless `token`). */
export const pushResult = (h: Harness, orderNo: string, extra: object = {}, token?: string) =>
  h.api(
    'POST',
    '/billing/results',
    {
      orderNo,
      resultType: 'BLUE',
      invoiceNo: '12345678',
      serialNo: `S-${orderNo}`,
      time: '2024-07-22 10:00:00',
      ...extra,
    },
    token ?? h.stack.token({ sub: 'cloud-hz', orgId: 'hz', roles: ['cloud'] }),
  );

/** The invoice cloud pushing hz's input invoices (`POST /invoices/push`, hz's `cloud` role). */
export const pushInvoices = (h: Harness, invoices: object[]) =>
  h.api('POST', '/invoices/push', { orgId: 'hz', kind: 'input', invoices }, h.cloud);

/** `n` goods lines of a cloud record, named by `text(i)`. */
export const goodsLines = (n: number, text: (i: number) => string) =>
  Array.from({ length: n }, (_, i) => ({
    name: `${text(i)}-${i}`,
    spec: 'M8×40 镀锌',
    unit: '个',
    quantity: '12',
    unitPrice: '3.25',
    amount: '39.00',
    taxRate: '0.13',
    taxAmount: '5.07',
  }));
