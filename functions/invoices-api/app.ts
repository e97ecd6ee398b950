import type { FunctionDeps } from '../deps.js';
import { putUser, readFolder } from '#shared/use-cases/folders/folder.js';
import { userPutSchema } from '#shared/domain/schemas/users.js';
import { makeApiHandler, parse, withRoles } from '#shared/adapters/http/api.js';
import { assertOrgAccess, isOperator } from '#shared/adapters/http/scope.js';
import { BadRequest } from '#shared/domain/errors.js';
import {
  editFace,
  facePatchSchema,
  locateInvoice,
  readInvoice,
} from '#shared/use-cases/invoices/edit.js';
import { etagOf } from '#shared/adapters/http/etag.js';
import { pushInvoices, pushSchema } from '#shared/use-cases/invoices/push.js';
import { withLabels } from '#shared/use-cases/invoices/labels.js';
import { idSchema, orgQuery, pageQuery } from '#shared/domain/schemas/common.js';
import { ROUTES } from '../routes.js';
import {
  invoiceListQuery,
  poolInvoice,
  poolQuery,
  searchPool,
} from '#shared/use-cases/invoices/pool-view.js';

export const makeHandler = (
  deps: FunctionDeps<'invoices-api'>,
  authSecret: () => Promise<string>,
) =>
  makeApiHandler(
    withRoles(ROUTES, {
      'GET /invoices': async ({ query, principal }) => {
        const q = parse(invoiceListQuery, query);
        const orgId = q.orgId ?? (isOperator(principal) ? undefined : principal.orgId);
        if (!orgId)
          throw new BadRequest('orgId: required', [{ path: 'orgId', message: 'required' }]);
        assertOrgAccess(principal, orgId);
        const cfg = await deps.stores.config.getConfig();
        const filter = {
          hideUnused: cfg.hideUnusedInPool && q.expendStatus === undefined,
          hideUnchecked: !cfg.showUncheckedInPool,
          expendStatus: q.expendStatus,
          checkStatus: q.checkStatus,
        };
        const page = await deps.stores.invoices.list(orgId, q.type, filter, q.limit, q.cursor);
        return { status: 200, body: { ...page, items: page.items.map(withLabels) } };
      },
      'GET /invoices/{invoiceId}': async ({ params, principal }) => {
        const invoiceId = params.invoiceId ?? '';
        assertOrgAccess(principal, locateInvoice(invoiceId).orgId, 'invoiceId');
        const { invoice, version } = await readInvoice(invoiceId, deps);
        return { status: 200, body: withLabels(invoice), headers: { etag: etagOf(version) } };
      },
      'GET /pool/invoices': async ({ query }) => {
        const q = parse(poolQuery, query);
        return { status: 200, body: await searchPool(q, deps) };
      },
      'GET /pool/invoices/{invoiceId}': async ({ params, query }) => {
        const { orgId } = parse(orgQuery, query);
        const view = await poolInvoice(orgId, params.invoiceId ?? '', deps);
        return { status: 200, body: view.body, headers: { etag: etagOf(view.version) } };
      },
      'PATCH /invoices/{invoiceId}': async ({ params, body, principal, headers }) => {
        const invoiceId = params.invoiceId ?? '';
        assertOrgAccess(principal, locateInvoice(invoiceId).orgId, 'invoiceId');
        const patch = parse(facePatchSchema, body);
        const ifMatch = headers['if-match'];
        const edited = await editFace(invoiceId, patch, principal.sub, deps, ifMatch);
        const labelled = withLabels(edited.invoice);
        return { status: 200, body: labelled, headers: { etag: etagOf(edited.version) } };
      },
      'POST /invoices/push': async ({ body, principal }) => {
        const req = parse(pushSchema, body);
        assertOrgAccess(principal, req.orgId);
        return { status: 200, body: await pushInvoices(req, deps) };
      },
      'GET /users/{userId}/invoices': async ({ params, query, principal }) => {
        const userId = parse(idSchema, params.userId);
        const q = parse(pageQuery, query);
        return { status: 200, body: await readFolder(principal, userId, q.limit, q.cursor, deps) };
      },
      'PUT /users/{userId}': async ({ params, body, principal }) => {
        const userId = parse(idSchema, params.userId);
        const { user, created } = await putUser(
          principal,
          userId,
          parse(userPutSchema, body),
          deps,
        );
        return { status: created ? 201 : 200, body: user };
      },
    }),
    authSecret,
  );
