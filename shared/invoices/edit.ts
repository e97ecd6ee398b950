/** Face edits through our API: the edit is frozen in its own item and sets `modified` (see merge.ts). */
import * as z from 'zod';
import type { Deps } from '../deps.js';
import { BadRequest, NotFound } from '../errors.js';
import { cloudInvoiceSchema, cloudItemSchema, FACE_FIELDS } from '../schemas/cloud.js';
import { invoiceKey, parseInvoiceId } from '../store/keys.js';
import { currentFace, type EditItem, type Invoice } from './merge.js';

const faceShape = cloudInvoiceSchema
  .pick(
    Object.fromEntries(FACE_FIELDS.map((f) => [f, true])) as {
      [K in (typeof FACE_FIELDS)[number]]: true;
    },
  )
  // No default here: a patch without `items` must keep the goods list, not empty it.
  .extend({ items: z.array(cloudItemSchema) });
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

export const editFace = async (
  invoiceId: string,
  patch: z.infer<typeof facePatchSchema>,
  userId: string,
  deps: Deps<'invoices', never>,
): Promise<Invoice> => {
  const { orgId, kind, serialNo } = locateInvoice(invoiceId);
  const { cloud, edit } = await deps.stores.invoices.getRaw(orgId, kind, serialNo);
  if (!cloud) throw new NotFound(`invoiceId: no invoice ${invoiceId}`);
  const face = { ...currentFace(cloud, edit), ...patch };
  if (face.invoiceCode === undefined) throw new BadRequest('invoiceCode: cannot be removed');
  const item: EditItem = {
    ...face,
    pk: invoiceKey.pk(orgId, kind, serialNo),
    sk: 'EDIT',
    editedBy: userId,
    version: (edit?.version ?? 0) + 1,
    updatedAt: deps.clock().toISOString(),
  };
  await deps.stores.invoices.putEdit(item, edit ? edit.version : null);
  return (await deps.stores.invoices.get(orgId, kind, serialNo))!;
};
