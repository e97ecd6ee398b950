import { randomBytes } from 'node:crypto';
import { prepareRecords, splitNonSync } from '#shared/use-cases/sync/upsert.js';
import { record, upsertCtx } from '#test/unit/support/records.js';

describe('prepareRecords', () => {
  it('maps valid records to pool items keyed by org, kind and serial', () => {
    const prep = prepareRecords([record({ serialNo: 'A' })], upsertCtx());

    expect(prep.outcomes).toEqual([{ index: 0, serialNo: 'A', status: 'stored' }]);
    expect(prep.items[0]).toMatchObject({ pk: 'INV#org-1#input#A', sk: 'CLOUD', orgId: 'org-1' });
  });

  it('counts a malformed record by its serial, naming the field', () => {
    const prep = prepareRecords([{ ...record(), invoiceNo: 'abc' }], upsertCtx());

    expect(prep.items).toEqual([]);
    expect(prep.outcomes[0]).toMatchObject({ serialNo: 'S1', status: 'malformed' });
    expect(prep.outcomes[0]?.error).toMatch(/^invoiceNo: /);
  });

  it('counts a record without a serial by its index', () => {
    const prep = prepareRecords([null], upsertCtx());

    expect(prep.outcomes[0]).toMatchObject({ index: 0, serialNo: null, status: 'malformed' });
  });

  it('skips unused invoices while syncUnusedInvoices is off', () => {
    const ctx = upsertCtx({ syncUnusedInvoices: false });

    const prep = prepareRecords([record({ expendStatus: 1 })], ctx);

    expect(prep.items).toEqual([]);
    expect(prep.outcomes[0]).toMatchObject({ status: 'skipped' });
  });

  it('stores a serial listed twice once: the newest copy, the later one on a tie', () => {
    const older = record({ updateTime: '2024-07-01 00:00:00', salerName: 'old' });
    const newer = record({ updateTime: '2024-07-02 00:00:00', salerName: 'new' });
    const tie = record({ updateTime: '2024-07-02 00:00:00', salerName: 'tie' });

    const prep = prepareRecords([newer, older, tie], upsertCtx());

    expect(prep.items.map((i) => i.salerName)).toEqual(['tie']);
    expect(prep.outcomes.map((o) => o.status)).toEqual(['skipped', 'skipped', 'stored']);
    expect(prep.outcomes[0]?.error).toContain('record #2 is stored');
  });

  it('counts a record too large even compressed as failed', () => {
    const noise = () => ({ name: randomBytes(150).toString('hex'), amount: '1.00' });

    const prep = prepareRecords(
      [record({ items: Array.from({ length: 10_000 }, noise) })],
      upsertCtx(),
    );

    expect(prep.items).toEqual([]);
    expect(prep.outcomes[0]).toMatchObject({ status: 'failed' });
  });
});

describe('splitNonSync', () => {
  it('separates syncable field names from names that have no effect', () => {
    const { applied, ignored } = splitNonSync(['outputReason', 'serialNo', 'nope']);

    expect(applied).toEqual(['outputReason']);
    expect(ignored).toEqual(['serialNo', 'nope']);
  });
});
