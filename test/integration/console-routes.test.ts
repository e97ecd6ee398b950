/**
 * The operator console's read routes (issue 17): `GET /orgs` and `GET /systems` page by the API's
 * cursors and never carry a secret; `GET /pool/invoices(/{id})` is the operator's read-only view of
 * any org's pool (by number too), with the invoice's linked users; another org's id is a 404.
 */
import { startHarness, ORGS, type Harness } from '#test/support/harness.js';
import { invoiceIdOf } from '#shared/adapters/dynamo/keys.js';
import { pushInvoices } from '#test/support/fixtures.js';

describe('console read routes', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
    await h.api('PUT', '/config', { personalFolderSync: true });
    const phone = ORGS[0]!.phones![0]!;
    const user = await h.api('PUT', '/users/emp-1', { name: '张伟', phone, orgIds: ['hz'] });
    expect(user.status).toBe(201);
    const started = await h.api('POST', '/sync', { type: 'input', orgIds: ['hz'] });
    expect(started.status).toBe(202);
    await h.stack.settle();
  });
  afterAll(async () => h.stop());

  it('GET /orgs pages through every org by cursor, secrets write-only', async () => {
    const first = await h.api('GET', '/orgs?limit=1');
    const second = await h.api('GET', `/orgs?limit=1&cursor=${first.body.nextCursor}`);
    const ids = [...first.body.items, ...second.body.items].map((o: { orgId: string }) => o.orgId);

    expect(ids).toEqual(['hz', 'sh']);
    expect(first.body.items[0].clientSecret).toBe('***');
    const text = JSON.stringify([first.body, second.body]);
    for (const org of ORGS) expect(text).not.toContain(org.clientSecret);
  });

  it('GET /orgs refuses a tampered cursor naming it, and a non-operator', async () => {
    const bad = await h.api('GET', '/orgs?cursor=eyJwayI6Ik9SRyNzaCJ9');
    const expense = await h.api('GET', '/orgs', undefined, h.expense);

    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body.error.details)).toContain('cursor');
    expect(expense.status).toBe(403);
  });

  it("GET /systems lists one org's systems page by page, never a secret", async () => {
    const put = async (id: string, orgId: string) =>
      h.api('PUT', `/systems/${id}`, { orgId, name: id, callbackUrl: 'http://127.0.0.1:9/h' });
    const secrets = [await put('c-erp-a', 'hz'), await put('c-erp-b', 'hz')].map(
      (r) => r.body.secret as string,
    );
    await put('c-erp-s', 'sh');

    const first = await h.api('GET', '/systems?orgId=hz&limit=1');
    const second = await h.api('GET', `/systems?orgId=hz&limit=1&cursor=${first.body.nextCursor}`);
    const ids = [...first.body.items, ...second.body.items].map(
      (s: { systemId: string }) => s.systemId,
    );

    expect(ids).toEqual(['c-erp-a', 'c-erp-b']);
    expect(secrets.every((s) => s.startsWith('whsec_'))).toBe(true);
    for (const s of secrets) expect(JSON.stringify([first.body, second.body])).not.toContain(s);
    expect(JSON.stringify(first.body)).not.toContain('gsi1');
  });

  it('GET /systems without orgId is a 400 naming orgId', async () => {
    const res = await h.api('GET', '/systems');

    expect(res.status).toBe(400);
    expect(res.body.error.message).toContain('orgId');
  });

  it('GET /pool/invoices pages an org pool and finds one invoice by number', async () => {
    const page = await h.api('GET', '/pool/invoices?orgId=hz&limit=5');
    const target = page.body.items[2];
    const byNo = await h.api('GET', `/pool/invoices?orgId=hz&invoiceNo=${target.invoiceNo}`);
    const other = await h.api('GET', `/pool/invoices?orgId=sh&invoiceNo=${target.invoiceNo}`);

    expect(page.status).toBe(200);
    expect(page.body.items).toHaveLength(5);
    expect(page.body.nextCursor).toEqual(expect.any(String));
    expect(byNo.body.items.map((i: { invoiceId: string }) => i.invoiceId)).toEqual([
      target.invoiceId,
    ]);
    expect(other.body.items).toEqual([]);
  });

  it('GET /pool/invoices by number shows what the detail shows (edit, attachments)', async () => {
    const folder = await h.api('GET', '/users/emp-1/invoices?limit=20');
    const withFiles = folder.body.items.find(
      (i: { attachments: unknown[] }) => i.attachments.length,
    );
    const id = withFiles.invoiceId as string;
    await h.api('PATCH', `/invoices/${id}`, { salerName: 'Edited Seller' }, h.expense);

    const detail = await h.api('GET', `/pool/invoices/${id}?orgId=hz`);
    const byNo = await h.api('GET', `/pool/invoices?orgId=hz&invoiceNo=${withFiles.invoiceNo}`);

    const found = byNo.body.items.find((i: { invoiceId: string }) => i.invoiceId === id);
    expect(found).toMatchObject({ modified: true, salerName: 'Edited Seller' });
    expect(found.attachments).toEqual(detail.body.attachments);
    expect(found.attachments.every((a: { userId: unknown }) => a.userId !== null)).toBe(true);
  });

  it('GET /pool/invoices/{id} lists the first user first, whatever the ids sort as', async () => {
    const first = await h.api('PUT', '/users/zz-first', {
      name: 'Z',
      phone: '13700000071',
      orgIds: ['hz'],
    });
    const second = await h.api('PUT', '/users/aa-second', {
      name: 'A',
      phone: '13700000072',
      orgIds: ['hz'],
    });
    expect([first.status, second.status]).toEqual([201, 201]);
    const base = h.sim.org(ORGS[0]!.taxNo).ledgers.input.find((r) => !r.users.length)!;
    const file = { fileId: 'F-order', fileName: 'a.pdf', url: 'https://files.example.com/a.pdf' };
    const pushed = {
      ...base,
      updateTime: '2099-01-01 00:00:00',
      users: [
        { phone: '13700000071', name: 'Z' },
        { phone: '13700000072', name: 'A' },
      ],
      invoiceFiles: [file],
    };
    const push = await pushInvoices(h, [pushed]);
    expect(push.body.stored).toBe(1);

    const id = invoiceIdOf('hz', 'input', base.serialNo);
    const one = await h.api('GET', `/pool/invoices/${id}?orgId=hz`);

    expect(one.body.linkedUsers).toEqual(['zz-first', 'aa-second']);
    expect(one.body.attachments.map((a: { userId: string }) => a.userId)).toEqual(['zz-first']);
  });

  it('GET /pool/invoices needs orgId and the operator role', async () => {
    const noOrg = await h.api('GET', '/pool/invoices');
    const expense = await h.api('GET', '/pool/invoices?orgId=hz', undefined, h.expense);

    expect(noOrg.status).toBe(400);
    expect(noOrg.body.error.message).toContain('orgId');
    expect(expense.status).toBe(403);
  });

  it('GET /pool/invoices/{id}: attachments, linked users, edit state; other org 404', async () => {
    const folder = await h.api('GET', '/users/emp-1/invoices?limit=1');
    const id = folder.body.items[0].invoiceId as string;
    const edited = await h.api('PATCH', `/invoices/${id}`, { buyerName: 'Edited' }, h.expense);

    const one = await h.api('GET', `/pool/invoices/${id}?orgId=hz`);
    const wrongOrg = await h.api('GET', `/pool/invoices/${id}?orgId=sh`);
    const alias = await h.api('GET', `/pool/invoices/${id}%00?orgId=hz`);
    const aliasOfExpense = await h.api('GET', `/invoices/${id}=`, undefined, h.expense);

    expect(edited.status).toBe(200);
    expect(one.status).toBe(200);
    expect(one.body).toMatchObject({ invoiceId: id, modified: true, buyerName: 'Edited' });
    expect(Array.isArray(one.body.attachments)).toBe(true);
    expect(one.body.linkedUsers).toContain('emp-1');
    expect(wrongOrg.status).toBe(404);
    // One spelling per invoice: aliases of an id (stray bytes, padding) are no id (review).
    expect(alias.status).toBe(404);
    expect(aliasOfExpense.status).toBe(404);
  });
});
