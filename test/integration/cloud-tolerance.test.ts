/**
 * An independent cloud sends what the contract allows (INVOICE_CLOUD_API.md): empty codes, null
 * lists, string sizes, impossible dates, non-https links. None of these drops the invoice; a
 * non-https link is never stored (security review L6) but its invoice and attachment are.
 */
import type { CloudInvoice } from '#shared/domain/schemas/cloud.js';
import { invoiceIdOf } from '#shared/adapters/dynamo/keys.js';
import { pushInvoices } from '../support/fixtures.js';
import { startHarness, ORGS, type Harness } from '../support/harness.js';

const TAX = ORGS[0]!.taxNo;

/** A record as a looser cloud may send it. */
const loose = (h: Harness, serialNo: string): Record<string, unknown> => ({
  ...h.sim.org(TAX).ledgers.input[0]!,
  serialNo,
  invoiceCode: '',
  invoiceDate: '2024-02-30',
  items: null,
  users: null,
  invoiceFiles: [
    { fileId: 'F1', fileName: 'a.pdf', fileType: 'pdf', fileSize: '2048', url: 'http://f/a.pdf' },
    { fileId: 'F2', fileName: 'b.pdf', fileSize: 7, url: 'https://f/b.pdf' },
  ],
});

describe('cloud records a looser cloud may send are stored, never dropped', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
  });
  afterEach(() => h.stop());

  const expectStored = async (serialNo: string) => {
    const inv = await h.stack.deps.stores.invoices.get('hz', 'input', serialNo);
    expect(inv).toMatchObject({
      serialNo,
      invoiceCode: null,
      invoiceDate: '2024-02-30',
      items: [],
      attachments: [
        { attachmentId: 'F1', fileSize: 2048, url: null },
        { attachmentId: 'F2', fileSize: 7, url: 'https://f/b.pdf' },
      ],
    });
    expect(JSON.stringify(inv)).not.toContain('http://');
  };

  it('a push stores them, noting the dropped non-https link', async () => {
    // Arrange
    const invoices = [loose(h, 'LOOSE-PUSH')];
    // Act
    const res = await pushInvoices(h, invoices);
    // Assert
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ stored: 1, rejected: 0 });
    expect(res.body.results[0]).toMatchObject({
      ok: true,
      notes: [expect.stringMatching(/^invoiceFiles\.0\.url: .*https/)],
    });
    await expectStored('LOOSE-PUSH');
  });

  it('a sync stores them', async () => {
    // Arrange
    h.sim.add(TAX, 'input', [loose(h, 'LOOSE-SYNC') as unknown as CloudInvoice]);
    // Act
    const res = await h.api('POST', '/sync', { type: 'input', orgIds: ['hz'] });
    await h.stack.settle();
    // Assert
    expect(res.status).toBe(202);
    await expectStored('LOOSE-SYNC');
  });

  it('PATCH refuses an impossible invoiceDate (400 naming it); a real date is taken', async () => {
    // Arrange
    const invoices = [loose(h, 'LOOSE-EDIT')];
    await pushInvoices(h, invoices);
    const path = `/invoices/${invoiceIdOf('hz', 'input', 'LOOSE-EDIT')}`;
    // Act
    const bad = await h.api('PATCH', path, { invoiceDate: '2024-02-30' }, h.expense);
    const good = await h.api('PATCH', path, { invoiceDate: '2024-02-29' }, h.expense);
    // Assert
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body.error)).toContain('invoiceDate');
    expect(good.status).toBe(200);
    expect(good.body.invoiceDate).toBe('2024-02-29');
  });
});
