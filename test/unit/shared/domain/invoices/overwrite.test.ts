import { randomBytes } from 'node:crypto';
import {
  currentFace,
  INVOICE_REPLY_FIELDS,
  mergeInvoice,
} from '#shared/domain/invoices/overwrite.js';
import {
  mergePartition,
  packLarge,
  toCloudItem,
  unpack,
  type EditItem,
} from '#shared/adapters/dynamo/invoice-items.js';
import { record } from '#test/unit/support/records.js';

const AT = '2024-07-03T00:00:00.000Z';
const cloudItem = (over = {}) => toCloudItem('org-1', 'input', record(over), AT);
const edit = (over: Partial<EditItem> = {}): EditItem => ({
  ...currentFace(cloudItem()),
  pk: cloudItem().pk,
  sk: 'EDIT',
  editedBy: 'u-1',
  version: 1,
  updatedAt: '2024-07-04T00:00:00.000Z',
  ...over,
});

describe('the overwrite rule (mergeInvoice)', () => {
  it('without a face edit, the cloud copy is the invoice and it is not modified', () => {
    const merged = mergeInvoice(cloudItem({ salerName: 'Cloud Seller' }));

    expect(merged.salerName).toBe('Cloud Seller');
    expect(merged.modified).toBe(false);
    expect(merged.updatedAt).toBe(AT);
  });

  it('a face edit wins on face fields; status fields and annotation stay the cloud’s', () => {
    const cloud = cloudItem({ salerName: 'Cloud Seller', expendStatus: 60, invoiceTag: 'tag' });

    const merged = mergeInvoice(cloud, edit({ salerName: 'Edited Seller' }));

    expect(merged).toMatchObject({
      salerName: 'Edited Seller',
      expendStatus: 60,
      annotation: 'tag',
      modified: true,
      updatedAt: '2024-07-04T00:00:00.000Z',
    });
  });

  it('keeps the cloud’s time when the cloud copy is newer than the edit', () => {
    const merged = mergeInvoice(cloudItem(), edit({ updatedAt: '2024-01-01T00:00:00.000Z' }));

    expect(merged.updatedAt).toBe(AT);
  });

  it('drops key attributes and binds every attachment to the first collector', () => {
    const file = { fileId: 'f1', fileName: 'a.pdf' };

    const merged = mergeInvoice(cloudItem({ invoiceFiles: [file] }), undefined, 'u-9');

    expect(Object.keys(merged)).not.toEqual(expect.arrayContaining(['pk', 'sk', 'gsi1pk']));
    expect(merged.attachments).toEqual([
      {
        attachmentId: 'f1',
        fileName: 'a.pdf',
        fileType: null,
        fileSize: null,
        url: null,
        userId: 'u-9',
      },
    ]);
  });
});

describe('the invoice reply shape', () => {
  it('lists its fields in the documented order, whatever order the item came back in', () => {
    const item = cloudItem({ invoiceTag: 'tag' });
    const shuffled = Object.fromEntries(Object.entries(item).reverse()) as typeof item;

    const keys = Object.keys(mergeInvoice(shuffled, edit({ salerName: 'Edited' })));

    const expected = INVOICE_REPLY_FIELDS.filter((f) => keys.includes(f));
    expect(keys).toEqual(expected);
    expect(keys.slice(0, 3)).toEqual(['invoiceId', 'orgId', 'type']);
    expect(keys.slice(-2)).toEqual(['createdAt', 'updatedAt']);
  });

  it('never carries keys, index attributes, packed lists or unknown attributes', () => {
    const item = { ...cloudItem(), internalMarker: 'x', packedBy: 'y' };

    const reply = mergeInvoice(item) as unknown as Record<string, unknown>;

    const allowed = new Set<string>(INVOICE_REPLY_FIELDS);
    expect(Object.keys(reply).filter((k) => !allowed.has(k))).toEqual([]);
    expect(reply).not.toHaveProperty('pk');
    expect(reply).not.toHaveProperty('gsi1pk');
  });
});

describe('mergePartition', () => {
  it('is undefined without a cloud copy', () => {
    expect(mergePartition([{ sk: 'EDIT' }])).toBeUndefined();
  });

  it('merges the cloud copy, the edit and the first collector of one partition', () => {
    const items = [
      cloudItem({ invoiceFiles: [{ fileId: 'f1', fileName: 'a.pdf' }] }),
      edit({ buyerName: 'Edited Buyer' }),
      { sk: 'FIRSTUSER', userId: 'u-2' },
    ] as unknown as Record<string, unknown>[];

    const merged = mergePartition(items);

    expect(merged?.buyerName).toBe('Edited Buyer');
    expect(merged?.attachments[0]?.userId).toBe('u-2');
  });
});

describe('large records (packLarge / unpack)', () => {
  const line = { name: 'x'.repeat(200), amount: '1.00' };

  it('leaves a small record as it is', () => {
    const item = cloudItem();

    expect(packLarge(item)).toBe(item);
  });

  it('packs a large goods list and reads it back whole', () => {
    const item = cloudItem({ items: Array.from({ length: 3000 }, () => line) });

    const packed = packLarge(item);

    expect(packed).toBeDefined();
    expect(packed).not.toHaveProperty('items');
    expect(unpack(packed!).items).toHaveLength(3000);
  });

  it('is undefined when even the compressed record does not fit', () => {
    const noise = () => ({ name: randomBytes(150).toString('hex'), amount: '1.00' });
    const item = cloudItem({ items: Array.from({ length: 10_000 }, noise) });

    expect(packLarge(item)).toBeUndefined();
  });
});
