import { startHarness, ORGS, type Harness } from '../support/harness.js';
import type { Run } from '#shared/domain/schemas/sync.js';
import { invoiceIdOf } from '#shared/adapters/dynamo/keys.js';
import { logger } from '#shared/logger.js';
import { capturedText } from '../support/log-capture.js';

const TAX = ORGS[0]!.taxNo;
const [P1, P2] = ORGS[0]!.phones as [string, string];
const ledger = (h: Harness) => h.sim.org(TAX).ledgers.input;
const syncHz = async (h: Harness): Promise<Run> => {
  const res = await h.api('POST', '/sync', { type: 'input', orgIds: ['hz'] });
  await h.stack.settle();
  return (await h.api('GET', `/sync/runs/${res.body.runs[0].runId}`)).body;
};
const folderAll = async (h: Harness, userId: string, limit = 200) => {
  const out: any[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const res: any = await h.api(
      'GET',
      `/users/${userId}/invoices?limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`,
      undefined,
      h.stack.token({ sub: userId, orgId: 'hz', roles: ['user'] }),
    );
    expect(res.status).toBe(200);
    out.push(...res.body.items);
    cursor = res.body.nextCursor;
    pages++;
  } while (cursor);
  return { items: out, pages };
};
const withPhone = (h: Harness, phone: string) =>
  ledger(h)
    .filter((r) => r.users.some((u) => u.phone === phone))
    .map((r) => r.serialNo)
    .sort();

describe('personal folders on DynamoDB Local + the simulator', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
    expect(
      (await h.api('PUT', '/users/u1', { name: '张伟', phone: P1, orgIds: ['hz'] }, h.expense))
        .status,
    ).toBe(201);
    expect(
      (await h.api('PUT', '/users/u2', { name: '王芳', phone: P2, orgIds: ['sh'] }, h.operator))
        .status,
    ).toBe(201);
  });
  afterEach(() => h.stop());

  it('switch off (the default): no links', async () => {
    const run = await syncHz(h);
    expect(run.status).toBe('succeeded');
    expect(run.folder).toBeUndefined();
    expect((await folderAll(h, 'u1')).items).toEqual([]);
  });

  const switchOn =
    'switch on: phone + org permission links; ' +
    'unknown phone or no permission is counted (masked), not a failure';
  it(switchOn, async () => {
    await h.api('PUT', '/config', { personalFolderSync: true });
    const run = await syncHz(h);
    expect(run.status).toBe('succeeded');
    expect(run.folder!.linked).toBe(withPhone(h, P1).length);
    expect(run.folder!.noPermission).toBeGreaterThan(0);
    expect(run.message).toContain(
      `${P2.slice(0, 3)}****${P2.slice(-4)} (no permission on the org)`,
    );
    expect(run.message).not.toContain(P2);
    expect((await folderAll(h, 'u1')).items.map((i) => i.serialNo).sort()).toEqual(
      withPhone(h, P1),
    );
    expect((await h.api('GET', '/users/u2/invoices')).body.items).toEqual([]);
  });

  it('links are append-only: a later sync with other users adds, never removes', async () => {
    await h.api('PUT', '/config', { personalFolderSync: true });
    await syncHz(h);
    const before = withPhone(h, P1);
    await h.api('PUT', '/users/u2', { name: '王芳', phone: P2, orgIds: ['sh', 'hz'] }, h.operator);
    for (const s of before.slice(0, 5))
      h.sim.mutate(TAX, 'input', s, { users: [{ phone: P2, name: '王芳' }] });
    await syncHz(h);
    expect((await folderAll(h, 'u1')).items.map((i) => i.serialNo).sort()).toEqual(before);
    expect((await folderAll(h, 'u2')).items.map((i) => i.serialNo)).toEqual(
      expect.arrayContaining(before.slice(0, 5)),
    );
  });

  it('attachments bind to the first linked user and are never re-bound', async () => {
    await h.api('PUT', '/config', { personalFolderSync: true });
    const target = ledger(h).find(
      (r) => r.invoiceFiles.length && r.users.some((u) => u.phone === P1),
    )!;
    await syncHz(h);
    const id = invoiceIdOf('hz', 'input', target.serialNo);
    const first = (await h.api('GET', `/invoices/${id}`, undefined, h.expense)).body;
    expect(first.attachments.map((a: any) => a.userId)).toEqual(
      target.invoiceFiles.map(() => 'u1'),
    );
    await h.api('PUT', '/users/u2', { name: '王芳', phone: P2, orgIds: ['hz'] }, h.operator);
    const extra = {
      fileId: `F-${target.serialNo}-late`,
      fileName: 'late.pdf',
      fileType: 'pdf',
      fileSize: 10,
      url: 'https://files/late',
    };
    h.sim.mutate(TAX, 'input', target.serialNo, {
      users: [{ phone: P2, name: '王芳' }],
      invoiceFiles: [...target.invoiceFiles, extra],
    });
    await syncHz(h);
    const after = (await h.api('GET', `/invoices/${id}`, undefined, h.expense)).body;
    expect(after.attachments.map((a: any) => [a.attachmentId, a.userId])).toEqual([
      ...target.invoiceFiles.map((f) => [f.fileId, 'u1']),
      [extra.fileId, 'u1'],
    ]);
  });

  const pushedInvoices =
    'pushed invoices: the good ones stored with annotation and links, ' +
    'a malformed one rejected alone, a modified one keeps its face';
  it(pushedInvoices, async () => {
    await h.api('PUT', '/config', { personalFolderSync: true });
    await syncHz(h);
    const mod = ledger(h)[0]!;
    await h.api(
      'PATCH',
      `/invoices/${invoiceIdOf('hz', 'input', mod.serialNo)}`,
      { totalAmount: '1.00' },
      h.expense,
    );
    const fresh = {
      ...ledger(h)[1]!,
      serialNo: 'PUSH-1',
      invoiceNo: '55556666',
      invoiceTag: '小程序',
      users: [{ phone: P1, name: '张伟' }],
    };
    const res = await h.api(
      'POST',
      '/invoices/push',
      {
        orgId: 'hz',
        kind: 'input',
        invoices: [
          fresh,
          { serialNo: 'BAD', invoiceNo: 7 },
          { ...mod, totalAmount: '500.00', expendStatus: 65, invoiceTag: 'pushed' },
        ],
      },
      h.cloud,
    );
    expect(res.status).toBe(200);
    expect(res.body.results.map((r: any) => [r.serialNo, r.ok])).toEqual([
      ['PUSH-1', true],
      ['BAD', false],
      [mod.serialNo, true],
    ]);
    expect(res.body.results[1].error.message).toMatch(/invoiceNo|invoiceType/);
    expect(
      (
        await h.api(
          'GET',
          `/invoices/${invoiceIdOf('hz', 'input', 'PUSH-1')}`,
          undefined,
          h.expense,
        )
      ).body,
    ).toMatchObject({ annotation: '小程序', modified: false });
    expect(
      (await h.api('GET', `/invoices/${invoiceIdOf('hz', 'input', 'BAD')}`, undefined, h.expense))
        .status,
    ).toBe(404);
    expect(
      (
        await h.api(
          'GET',
          `/invoices/${invoiceIdOf('hz', 'input', mod.serialNo)}`,
          undefined,
          h.expense,
        )
      ).body,
    ).toMatchObject({
      totalAmount: '1.00',
      modified: true,
      expendStatus: 65,
      annotation: 'pushed',
    });
    expect((await folderAll(h, 'u1')).items.map((i) => i.serialNo)).toContain('PUSH-1');
  });

  const userDirectory =
    'the user directory validates phones, gives each phone to one user, and folders are private';
  it(userDirectory, async () => {
    const bad = await h.api(
      'PUT',
      '/users/u3',
      { name: 'x', phone: '12345', orgIds: [] },
      h.expense,
    );
    expect(bad.status).toBe(400);
    expect(bad.body.error.details[0].path).toBe('phone');
    expect(
      (await h.api('PUT', '/users/u3', { name: 'x', phone: P1, orgIds: [] }, h.expense)).status,
    ).toBe(409);
    expect(
      (
        await h.api(
          'PUT',
          '/users/u1',
          { name: '张伟', phone: '13511112222', orgIds: ['hz'] },
          h.expense,
        )
      ).status,
    ).toBe(200);
    expect(
      (await h.api('PUT', '/users/u3', { name: 'x', phone: P1, orgIds: [] }, h.expense)).status,
    ).toBe(201);
    expect((await h.api('GET', '/users/u3/invoices', undefined, h.expense)).status).toBe(404);
    expect(
      (
        await h.api(
          'GET',
          '/users/nobody/invoices',
          undefined,
          h.stack.token({ sub: 'nobody', orgId: 'hz', roles: ['expense'] }),
        )
      ).status,
    ).toBe(404);
  });

  it('phone numbers never appear unmasked in log output', async () => {
    const out = await capturedText(async () => {
      logger.warn('collector not found', { phone: P1, detail: `user ${P2} has no permission` });
      h.sim.setFaults({ outageTaxNos: [TAX] });
      await h.api('PUT', '/config', { personalFolderSync: true });
      await syncHz(h);
    });
    expect(out).toContain('138****8000');
    expect(out).not.toContain(P1);
    expect(out).not.toContain(P2);
  });
});

describe('folder paging', () => {
  it('pages a folder of 1,000+ invoices newest first with no duplicates or gaps', async () => {
    const phone = '13500135000';
    const h = await startHarness({
      orgs: [{ ...ORGS[0]!, input: 1500, output: 0, phones: [phone] }],
    });
    try {
      await h.api('PUT', '/users/u9', { name: '刘洋', phone, orgIds: ['hz'] }, h.expense);
      await h.api('PUT', '/config', { personalFolderSync: true });
      await syncHz(h);
      const expected = withPhone(h, phone);
      expect(expected.length).toBeGreaterThan(1000);
      const { items, pages } = await folderAll(h, 'u9', 150);
      expect(pages).toBe(Math.ceil(expected.length / 150) + (expected.length % 150 === 0 ? 1 : 0));
      expect(items.map((i) => i.serialNo).sort()).toEqual(expected);
      const times = items.map((i) => i.linkedAt);
      expect([...times].sort().reverse()).toEqual(times);
    } finally {
      await h.stop();
    }
  });
});
