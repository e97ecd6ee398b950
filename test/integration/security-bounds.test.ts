/**
 * Security review M1 (unbounded sizes), M2 (unbounded work) and L5 (5xx from crafted input): each
 * attack of the review replayed over the HTTP API (or the sync engine for a lying cloud), asserting
 * a clear 4xx naming the field, nothing half-written, and bounded work.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { startReceiver, type Receiver } from '#simulator/receiver.js';
import { RECORD_BOUNDS, type CloudInvoice } from '#shared/domain/schemas/cloud.js';
import type { Run } from '#shared/domain/schemas/sync.js';
import { invoiceIdOf } from '#shared/adapters/dynamo/keys.js';
import { MAX_BODY_BYTES } from '#shared/adapters/http/api.js';
import { POOL_READ_CAP } from '#shared/adapters/dynamo/invoice-store.js';
import { MAX_RUN_PAGES } from '#shared/use-cases/sync/engine.js';
import { startHarness, ORGS, type Harness } from '../support/harness.js';

const TAX = ORGS[0]!.taxNo;
const cursorOf = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
const record = (base: CloudInvoice, i: number, patch: Partial<CloudInvoice> = {}) => ({
  ...base,
  serialNo: `PUSH-${String(i).padStart(6, '0')}`,
  invoiceNo: String(80000000 + i),
  ...patch,
});
const goods = (n: number) =>
  Array.from({ length: n }, (_, i) => ({ name: `螺栓-${i}`, amount: '1.00' }));
const errorPaths = (body: { error?: { details?: { path: string }[] } }) =>
  (body.error?.details ?? []).map((d) => d.path);

describe('M1: bounded sizes (a clear 4xx naming the field, nothing half-written)', () => {
  let h: Harness;
  let rcv: Receiver;
  beforeAll(async () => {
    h = await startHarness();
    rcv = await startReceiver();
  });
  afterAll(async () => {
    await h.stop();
    await rcv.stop();
  });

  it('a push with one 450 KB record stores the other 30 and names the bad field', async () => {
    const base = h.sim.org(TAX).ledgers.input[0]!;
    const normal = Array.from({ length: 30 }, (_, i) => record(base, i));
    const huge = record(base, 99, { invoiceTag: 'x'.repeat(450_000) });

    const res = await h.api(
      'POST',
      '/invoices/push',
      { orgId: 'hz', kind: 'input', invoices: [...normal, huge] },
      h.cloud,
    );

    expect(res.status).toBe(200);
    expect({ stored: res.body.stored, rejected: res.body.rejected }).toEqual({
      stored: 30,
      rejected: 1,
    });
    expect(res.body.results[30]).toMatchObject({
      serialNo: huge.serialNo,
      ok: false,
      error: { code: 'BAD_RECORD', message: expect.stringContaining('invoiceTag') },
    });
    const stored = await h.stack.deps.stores.invoices.serials('hz', 'input');
    expect(normal.every((r) => stored.includes(r.serialNo))).toBe(true);
    expect(stored).not.toContain(huge.serialNo);
  });

  it('cloud records are bounded: goods lines, users, files, free text and URLs', async () => {
    const { cloudInvoiceSchema } = await import('#shared/domain/schemas/cloud.js');
    const base = h.sim.org(TAX).ledgers.input[0]!;
    const bad: [string, Partial<CloudInvoice>][] = [
      ['items', { items: goods(RECORD_BOUNDS.items + 1) }],
      ['users', { users: Array.from({ length: 51 }, () => ({ phone: '13800138000' })) }],
      ['invoiceFiles', { invoiceFiles: Array.from({ length: 51 }, (_, i) => file(i)) }],
      ['buyerName', { buyerName: 'x'.repeat(201) }],
      ['invoiceTag', { invoiceTag: 'x'.repeat(1001) }],
      [
        'invoiceFiles.0.url',
        { invoiceFiles: [{ ...file(0), url: `https://a/${'x'.repeat(2048)}` }] },
      ],
      ['items.0.name', { items: [{ name: 'x'.repeat(301), amount: '1.00' }] }],
    ];

    const refused = bad.map(([, patch]) => {
      const r = cloudInvoiceSchema.safeParse({ ...base, ...patch });
      return r.success ? '(accepted)' : r.error.issues[0]!.path.join('.');
    });

    expect(refused).toEqual(bad.map(([path]) => path));
    expect(
      cloudInvoiceSchema.safeParse({ ...base, items: goods(RECORD_BOUNDS.items) }).success,
    ).toBe(true);
  });

  it('an order with a 450 KB field answers 400 naming it, and logs nothing', async () => {
    expect(
      (
        await h.api('PUT', '/systems/erp', {
          orgId: 'hz',
          name: 'ERP',
          callbackUrl: `${rcv.url}/h`,
        })
      ).status,
    ).toBe(201);
    const before = await logCount(h);

    const res = await h.api(
      'POST',
      '/billing/orders',
      { systemId: 'erp', orderNo: 'O-BIG', notes: 'x'.repeat(450_000) },
      h.expense,
    );

    expect(res.status).toBe(400);
    expect(res.body.error.message).toMatch(/16 KB/);
    expect(errorPaths(res.body)).toContain('(body)');
    expect(await logCount(h)).toBe(before);
  });

  it('PATCH with more goods lines than a record may hold answers 400 naming items', async () => {
    const serial = h.sim.org(TAX).ledgers.input[0]!.serialNo;
    await h.api('POST', '/sync', { type: 'input', orgIds: ['hz'] });
    await h.stack.settle();

    const res = await h.api(
      'PATCH',
      `/invoices/${invoiceIdOf('hz', 'input', serial)}`,
      { items: goods(RECORD_BOUNDS.items + 1) },
      h.expense,
    );

    expect(res.status).toBe(400);
    expect(errorPaths(res.body)).toContain('items');
  });

  it(`a body over ${MAX_BODY_BYTES} bytes answers 413, nothing parsed or written`, async () => {
    const base = h.sim.org(TAX).ledgers.input[0]!;
    const invoices = Array.from({ length: 400 }, (_, i) =>
      record(base, 1000 + i, { invoiceTag: 'y'.repeat(Math.ceil(MAX_BODY_BYTES / 400)) }),
    );

    const res = await h.api(
      'POST',
      '/invoices/push',
      { orgId: 'hz', kind: 'input', invoices },
      h.cloud,
    );

    expect(res.status).toBe(413);
    expect(res.body.error).toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
    expect(errorPaths(res.body)).toEqual(['(body)']);
    const stored = await h.stack.deps.stores.invoices.serials('hz', 'input');
    expect(stored).not.toContain(invoices[0]!.serialNo);
  });
});

const file = (i: number) => ({ fileId: `f${i}`, fileName: `f${i}.pdf`, url: 'https://f/x' });
const logCount = async (h: Harness) =>
  ((await h.api('GET', '/interaction-logs?limit=200')).body.items as unknown[]).length;

describe('M2: bounded work per request and per run', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.stop();
    h = undefined;
  });

  it('a filter matching nothing reads at most the cap per request, then a cursor', async () => {
    let scanned = 0;
    const wrapDb = (db: DynamoDBDocumentClient) =>
      ({
        send: async (cmd: { constructor: { name: string }; input: Record<string, unknown> }) => {
          const res = (await db.send(cmd as never)) as { ScannedCount?: number };
          if (cmd.constructor.name === 'QueryCommand' && cmd.input.IndexName === 'gsi1')
            scanned += res.ScannedCount ?? 0;
          return res;
        },
      }) as unknown as DynamoDBDocumentClient;
    const pool = POOL_READ_CAP + 200;
    h = await startHarness({ orgs: [{ ...ORGS[0]!, input: pool, output: 0 }], stack: { wrapDb } });
    await h.api('POST', '/sync', { type: 'input', orgIds: ['hz'] });
    await h.stack.settle();

    const reads: number[] = [];
    let found = 0;
    let cursor: string | null = null;
    do {
      scanned = 0;
      const qs: string = cursor ? `&cursor=${cursor}` : '';
      const res = await h.api(
        'GET',
        `/invoices?orgId=hz&limit=1&expendStatus=4242${qs}`,
        undefined,
        h.expense,
      );
      expect(res.status).toBe(200);
      found += (res.body.items as unknown[]).length;
      reads.push(scanned);
      cursor = res.body.nextCursor as string | null;
    } while (cursor && reads.length < 10);

    expect(found).toBe(0);
    expect(Math.max(...reads)).toBeLessThanOrEqual(POOL_READ_CAP);
    expect(reads.length).toBeGreaterThan(1);
    expect(cursor).toBeNull();
  });

  it('a page cut by the read cap never separates an invoice from its edit', async () => {
    h = await startHarness({ orgs: [{ ...ORGS[0]!, input: POOL_READ_CAP + 50, output: 0 }] });
    // Only the invoice whose cloud copy is the cap-th item read matches; its edit is the next item.
    const ledger = h.sim.org(TAX).ledgers.input;
    const order = ledger.map((r) => r.serialNo).sort();
    const target = order[POOL_READ_CAP - 1]!;
    for (const r of ledger)
      Object.assign(
        r,
        r.serialNo === target ? { checkStatus: 2, expendStatus: 2 } : { checkStatus: 1 },
      );
    await h.api('POST', '/sync', { type: 'input', orgIds: ['hz'] });
    await h.stack.settle();
    const id = invoiceIdOf('hz', 'input', target);
    expect(
      (await h.api('PATCH', `/invoices/${id}`, { buyerName: 'Edited' }, h.expense)).status,
    ).toBe(200);

    const seen: { serialNo: string; buyerName: string }[] = [];
    let cursor: string | null = null;
    do {
      const qs: string = cursor ? `&cursor=${cursor}` : '';
      const res = await h.api(
        'GET',
        `/invoices?orgId=hz&limit=1&checkStatus=2${qs}`,
        undefined,
        h.expense,
      );
      seen.push(...(res.body.items as typeof seen));
      cursor = res.body.nextCursor as string | null;
    } while (cursor);

    expect(seen.map((i) => [i.serialNo, i.buyerName])).toEqual([[target, 'Edited']]);
  });

  const lyingCloud = async (total: number) => {
    h = await startHarness();
    let calls = 0;
    h.stack.deps.cloud.listInvoices = async () => {
      if (++calls > 200) throw new Error(`still paging after ${calls - 1} cloud calls`);
      return { total, pageNo: 1, pageSize: 500, list: [] };
    };
    const res = await h.api('POST', '/sync', { type: 'input', orgIds: ['hz'] });
    await h.stack.settle();
    const run = (await h.api('GET', `/sync/runs/${res.body.runs[0].runId}`)).body as Run;
    return { run, calls };
  };

  it('a cloud reporting total 1e9 with empty pages ends the run with a clear message', async () => {
    const { run, calls } = await lyingCloud(1e9);

    expect(calls).toBeLessThan(5);
    expect(run.status).toMatch(/failed|needs_manual/);
    expect(run.message).toMatch(/1000000000 invoices/);
    expect(run.message).toContain(String(MAX_RUN_PAGES));
  });

  it('a cloud whose pages come back empty below its total ends the run clearly', async () => {
    const { run, calls } = await lyingCloud(5000);

    expect(calls).toBeLessThan(5);
    expect(run.status).toMatch(/failed|needs_manual/);
    expect(run.message).toMatch(/page 10 .*empty/);
  });
});

describe('L5: crafted input never answers 5xx', () => {
  let h: Harness;
  let rcv: Receiver;
  beforeAll(async () => {
    h = await startHarness();
    rcv = await startReceiver();
    await h.api('PUT', '/systems/erp', { orgId: 'hz', name: 'ERP', callbackUrl: `${rcv.url}/h` });
    const user = { name: 'U', phone: '13800138000', orgIds: ['hz'] };
    expect((await h.api('PUT', '/users/user-1', user)).status).toBeLessThan(300);
  });
  afterAll(async () => {
    await h.stop();
    await rcv.stop();
  });

  const LISTINGS = [
    '/sync/runs?',
    '/sync/runs?orgId=hz&',
    '/sync/runs?status=failed&',
    '/invoices?orgId=hz&',
    '/users/user-1/invoices?',
    '/bills/B-1/logs?orgId=hz&',
    '/bills/dead-letters?',
    '/interaction-logs?',
    '/interaction-logs?orderNo=O-1&',
  ];
  const TAMPERED = [
    cursorOf({ pk: 'x' }),
    cursorOf({ pk: { S: 'x' } }),
    cursorOf({ pk: 'x', sk: 'y', gsi1pk: 'POOL#sh#input', gsi1sk: 'a#0' }),
    cursorOf({ pk: 'x', sk: 'y', gsi1pk: 'RUNS', gsi1sk: 'a', gsi2pk: 'x', gsi2sk: 'y' }),
    cursorOf({ pk: '', sk: '' }),
    Buffer.from('{"__proto__":{"pk":"x"},"constructor":"y"}').toString('base64url'),
    cursorOf([1, 2]),
    cursorOf('pk'),
    'not-base64!',
  ];

  it.each(LISTINGS)('GET %s with tampered cursors → 400 naming cursor', async (route) => {
    const token = h.stack.token({ sub: 'user-1', orgId: 'hz', roles: ['expense', 'operator'] });
    const answers = await Promise.all(
      TAMPERED.map(async (c) => {
        const r = await h.api('GET', `${route}cursor=${c}`, undefined, token);
        return { c, status: r.status, paths: errorPaths(r.body) };
      }),
    );

    // An unknown bill may be answered 404 before its cursor is read: never a 5xx either way.
    const unknownBill = route.startsWith('/bills/B-1/');
    const expected = TAMPERED.map((c) => ({ c, status: 400, paths: ['cursor'] }));
    const ok = (a: (typeof expected)[number]) =>
      unknownBill && a.status === 404 ? { ...a, status: 400, paths: ['cursor'] } : a;
    expect(answers.map(ok)).toEqual(expected);
  });

  it('a cursor of one org does not page another org', async () => {
    const bad = cursorOf({
      pk: 'INV#sh#input#X',
      sk: 'CLOUD',
      gsi1pk: 'POOL#sh#input',
      gsi1sk: 'X#0',
    });

    const res = await h.api('GET', `/invoices?orgId=hz&cursor=${bad}`, undefined, h.expense);

    expect(res.status).toBe(400);
  });

  it.each([
    ['constructor', { systemId: 'erp', orderNo: 'O-C', constructor: { name: 'Set' } }],
    ['constructor (nested)', { systemId: 'erp', orderNo: 'O-C', data: { constructor: 'x' } }],
    ['__proto__', JSON.parse('{"systemId":"erp","orderNo":"O-P","x":{"__proto__":{"a":1}}}')],
    ['__proto__ (top level)', JSON.parse('{"systemId":"erp","orderNo":"O-T","__proto__":{"a":1}}')],
    ['prototype', { systemId: 'erp', orderNo: 'O-P', prototype: 1 }],
  ])('an order with a %s key answers 400 naming it', async (_, body) => {
    const before = await logCount(h);

    const res = await h.api('POST', '/billing/orders', body, h.expense);

    expect(res.status).toBe(400);
    expect(res.body.error.message).toMatch(/constructor|__proto__|prototype/);
    expect(await logCount(h)).toBe(before);
  });

  it.each([
    ['a bidi override', '\u202eRTL-1'],
    ['a NUL', 'O-\u0000-1'],
    ['a zero-width space', 'O\u200b-1'],
  ])('an order number with %s answers 400 naming orderNo', async (_, orderNo) => {
    const before = await logCount(h);

    const res = await h.api('POST', '/billing/orders', { systemId: 'erp', orderNo }, h.expense);

    expect(res.status).toBe(400);
    expect(res.body.error.details[0].path).toBe('orderNo');
    expect(await logCount(h)).toBe(before);
  });

  it('an ordinary order is still accepted', async () => {
    const res = await h.api(
      'POST',
      '/billing/orders',
      { systemId: 'erp', orderNo: 'O-OK', buyer: { name: 'ACME', lines: [1, 2] } },
      h.expense,
    );

    expect(res.status).toBe(202);
  });
});
