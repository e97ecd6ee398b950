/**
 * Issue 14 (record enums): `invoiceType` and `invoiceStatus` are shown by name (zh and en) where
 * operators and the expense system read them: the pool (list and one invoice) and the
 * reconciliation's differences. Unknown codes are kept and named as unknown, never rejected.
 */
import type { CloudInvoice } from '#shared/domain/schemas/cloud.js';
import { invoiceIdOf } from '#shared/adapters/dynamo/keys.js';
import { startHarness, ORGS, type Harness } from '../support/harness.js';

const TAX = ORGS[0]!.taxNo;
const KNOWN = {
  invoiceTypeLabel: {
    code: 26,
    zh: '数电普票',
    en: 'fully digital invoice (ordinary)',
    known: true,
  },
  invoiceStatusLabel: { code: 2, zh: '作废', en: 'voided', known: true },
};
const UNKNOWN = {
  invoiceTypeLabel: { code: 777, zh: '未知代码 777', en: 'unknown code 777', known: false },
  invoiceStatusLabel: { code: 9, zh: '未知代码 9', en: 'unknown code 9', known: false },
};

describe('code labels (issue 14)', () => {
  let h: Harness;
  let base: CloudInvoice;
  const record = (serialNo: string, invoiceType: number, invoiceStatus: number) => ({
    ...base,
    serialNo,
    invoiceNo: String(70000000 + Number(serialNo.replace(/\D/g, '') || 1)),
    invoiceType,
    invoiceStatus,
    expendStatus: 30,
    checkStatus: 1,
  });
  beforeAll(async () => {
    h = await startHarness();
    base = h.sim.org(TAX).ledgers.input[0]!;
  });
  afterAll(() => h.stop());

  it('the pool names a known and an unknown code, in the list and for one invoice', async () => {
    const invoices = [record('LBL-1', 26, 2), record('LBL-2', 777, 9)];
    const push = await h.api(
      'POST',
      '/invoices/push',
      { orgId: 'hz', kind: 'input', invoices },
      h.cloud,
    );
    expect(push.body.stored).toBe(2);

    const one = await h.api(
      'GET',
      `/invoices/${invoiceIdOf('hz', 'input', 'LBL-1')}`,
      undefined,
      h.expense,
    );
    const two = await h.api(
      'GET',
      `/invoices/${invoiceIdOf('hz', 'input', 'LBL-2')}`,
      undefined,
      h.expense,
    );
    const list = await h.api('GET', '/invoices?orgId=hz&limit=200', undefined, h.expense);

    expect(one.body).toMatchObject({ invoiceType: 26, invoiceStatus: 2, ...KNOWN });
    expect(two.body).toMatchObject({ invoiceType: 777, invoiceStatus: 9, ...UNKNOWN });
    const bySerial = new Map(
      (list.body.items as { serialNo: string }[]).map((i) => [i.serialNo, i]),
    );
    expect(bySerial.get('LBL-1')).toMatchObject(KNOWN);
    expect(bySerial.get('LBL-2')).toMatchObject(UNKNOWN);
  });

  it('the reconciliation names the codes of each difference', async () => {
    await h.api('POST', '/sync', { type: 'input', orgIds: ['hz'] });
    await h.stack.settle();
    h.sim.add(TAX, 'input', [record('LBL-CLOUD', 777, 9)]);

    const res = await h.api('GET', '/sync/reconcile?orgId=hz&type=input');

    expect(res.status).toBe(200);
    expect(res.body.missingInPool).toEqual(['LBL-CLOUD']);
    expect(res.body.missingInCloud).toEqual(['LBL-1', 'LBL-2']); // pushed only
    expect(res.body.differences).toEqual([
      {
        serialNo: 'LBL-CLOUD',
        side: 'missingInPool',
        invoiceType: 777,
        invoiceStatus: 9,
        ...UNKNOWN,
      },
      { serialNo: 'LBL-1', side: 'missingInCloud', invoiceType: 26, invoiceStatus: 2, ...KNOWN },
      { serialNo: 'LBL-2', side: 'missingInCloud', invoiceType: 777, invoiceStatus: 9, ...UNKNOWN },
    ]);
  });
});
