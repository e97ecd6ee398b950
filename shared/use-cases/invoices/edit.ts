/**
 * Face edits through our API: the edit is frozen in its own item and sets `modified` (see
 * merge.ts).
 */
import * as z from 'zod';
import type { Deps } from '../../deps.js';
import { BadRequest, ConditionFailed, NotFound } from '../../domain/errors.js';
import { assertIfMatch, PreconditionFailed } from '../../adapters/http/etag.js';
import {
  calendarDate,
  cloudInvoiceSchema,
  cloudItemSchema,
  FACE_FIELDS,
  RECORD_BOUNDS,
} from '../../domain/schemas/cloud.js';
import { parseInvoiceId } from '../../adapters/dynamo/keys.js';
import { currentFace, type FaceEdit, type Invoice } from '../../domain/invoices/overwrite.js';

const faceShape = cloudInvoiceSchema
  .pick(
    Object.fromEntries(FACE_FIELDS.map((f) => [f, true])) as {
      [K in (typeof FACE_FIELDS)[number]]: true;
    },
  )
  // No default here: a patch without `items` must keep the goods list, not empty it.
  .extend({
    items: z.array(cloudItemSchema).max(RECORD_BOUNDS.items),
    // Our own edits must name a real date (the cloud's records are kept as given).
    invoiceDate: calendarDate,
  });
export const facePatchSchema = faceShape
  .partial()
  .strict()
  .refine((p) => Object.keys(p).length > 0, {
    message: `give at least one face field: ${FACE_FIELDS.join(', ')}`,
  });

export const locateInvoice = (invoiceId: string) => {
  const id = parseInvoiceId(invoiceId);
  if (!id) throw new NotFound(`invoiceId: no invoice ${invoiceId}`);
  return id;
};

/**
 * One invoice with its version (the EDIT item's, 0 before any edit), which is its `ETag`. Both come
 * from one consistent read of the invoice's partition, so the tag always names the body returned.
 */
export const readInvoice = async (
  invoiceId: string,
  deps: Deps<'invoices', never>,
): Promise<{ invoice: Invoice; version: number; firstUser?: string }> => {
  const { orgId, kind, serialNo } = locateInvoice(invoiceId);
  const found = await deps.stores.invoices.getVersioned(orgId, kind, serialNo);
  if (!found) throw new NotFound(`invoiceId: no invoice ${invoiceId}`);
  return found;
};

/**
 * Edit an invoice's face (PATCH): the edit is written from the version read, conditionally, so
 * concurrent edits never overwrite each other silently. `ifMatch` (the caller's `If-Match`) must
 * name the current version, else 412 and nothing is written.
 */
export const editFace = async (
  invoiceId: string,
  patch: z.infer<typeof facePatchSchema>,
  userId: string,
  deps: Deps<'invoices', never>,
  ifMatch?: string,
): Promise<{ invoice: Invoice; version: number }> => {
  const { orgId, kind, serialNo } = locateInvoice(invoiceId);
  const { cloud, edit } = await deps.stores.invoices.getRaw(orgId, kind, serialNo);
  if (!cloud) throw new NotFound(`invoiceId: no invoice ${invoiceId}`);
  assertIfMatch(ifMatch, edit?.version ?? 0, 'invoice');
  const face = { ...currentFace(cloud, edit), ...patch };
  if (face.invoiceCode === undefined) throw new BadRequest('invoiceCode: cannot be removed');
  const item: FaceEdit = {
    ...face,
    editedBy: userId,
    version: (edit?.version ?? 0) + 1,
    updatedAt: deps.clock().toISOString(),
  };
  try {
    await deps.stores.invoices.putEdit({ orgId, kind, serialNo }, item, edit ? edit.version : null);
  } catch (e) {
    // A write that lost the race after the check: with If-Match that is a failed precondition.
    if (ifMatch !== undefined && e instanceof ConditionFailed)
      throw new PreconditionFailed('If-Match: the invoice was edited meanwhile; read it again');
    throw e;
  }
  return {
    invoice: (await deps.stores.invoices.get(orgId, kind, serialNo))!,
    version: item.version,
  };
};
