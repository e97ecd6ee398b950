import * as z from 'zod';
import type { FunctionDeps } from '../deps.js';
import { NotFound } from '#shared/errors.js';
import { assertFolderAccess, putUser, readFolder } from '#shared/folders/folder.js';
import { userPutSchema } from '#shared/schemas/users.js';
import { makeApiHandler, parse, withRoles } from '#shared/http/api.js';
import { assertOrgAccess } from '#shared/http/scope.js';
import { editFace, facePatchSchema, locateInvoice } from '#shared/invoices/edit.js';
import { pushInvoices, pushSchema } from '#shared/invoices/push.js';
import { cursorSchema, idSchema, limitSchema } from '#shared/schemas/common.js';
import { kindSchema } from '#shared/schemas/cloud.js';
import { ROUTES } from '../routes.js';

const listQuery = z.object({
  orgId: idSchema,
  type: kindSchema.default('input'),
  expendStatus: z.coerce.number().int().optional(),
  checkStatus: z.coerce.number().int().optional(),
  limit: limitSchema,
  cursor: cursorSchema,
});

export const makeHandler = (
  deps: FunctionDeps<'invoices-api'>,
  authSecret: () => Promise<string>,
) =>
  makeApiHandler(
    withRoles(ROUTES, {
      'GET /invoices': async ({ query, principal }) => {
        const q = parse(listQuery, query);
        assertOrgAccess(principal, q.orgId);
        const cfg = await deps.stores.config.getConfig();
        const filter = {
          hideUnused: cfg.hideUnusedInPool && q.expendStatus === undefined,
          hideUnchecked: !cfg.showUncheckedInPool,
          expendStatus: q.expendStatus,
          checkStatus: q.checkStatus,
        };
        return {
          status: 200,
          body: await deps.stores.invoices.list(q.orgId, q.type, filter, q.limit, q.cursor),
        };
      },
      'GET /invoices/{invoiceId}': async ({ params, principal }) => {
        const { orgId, kind, serialNo } = locateInvoice(params.invoiceId ?? '');
        assertOrgAccess(principal, orgId);
        const inv = await deps.stores.invoices.get(orgId, kind, serialNo);
        if (!inv) throw new NotFound(`invoiceId: no invoice ${params.invoiceId}`);
        return { status: 200, body: inv };
      },
      'PATCH /invoices/{invoiceId}': async ({ params, body, principal }) => {
        assertOrgAccess(principal, locateInvoice(params.invoiceId ?? '').orgId);
        return {
          status: 200,
          body: await editFace(
            params.invoiceId ?? '',
            parse(facePatchSchema, body),
            principal.sub,
            deps,
          ),
        };
      },
      'POST /invoices/push': async ({ body, principal }) => {
        const req = parse(pushSchema, body);
        assertOrgAccess(principal, req.orgId);
        return { status: 200, body: await pushInvoices(req, deps) };
      },
      'GET /users/{userId}/invoices': async ({ params, query, principal }) => {
        const userId = parse(idSchema, params.userId);
        assertFolderAccess(principal, userId);
        const q = parse(z.object({ limit: limitSchema, cursor: cursorSchema }), query);
        return { status: 200, body: await readFolder(userId, q.limit, q.cursor, deps) };
      },
      'PUT /users/{userId}': async ({ params, body }) => {
        const { user, created } = await putUser(
          parse(idSchema, params.userId),
          parse(userPutSchema, body),
          deps,
        );
        return { status: created ? 201 : 200, body: user };
      },
    }),
    authSecret,
  );
