import type { FunctionDeps } from '../deps.js';
import { NotFound } from '#shared/domain/errors.js';
import { makeApiHandler, parse, withRoles } from '#shared/adapters/http/api.js';
import { putOrg } from '#shared/use-cases/config/orgs.js';
import { etagOf } from '#shared/adapters/http/etag.js';
import { idSchema, orgQuery, pageQuery } from '#shared/domain/schemas/common.js';
import {
  configPatchSchema,
  orgPutSchema,
  type Org,
  type PushStats,
} from '#shared/domain/schemas/config.js';
import { registerSystem } from '#shared/use-cases/callbacks/systems.js';
import { systemPutSchema } from '#shared/domain/schemas/systems.js';
import { ROUTES } from '../routes.js';
import { withPublicDocs } from '../public-docs.js';

/** The org as the API shows it: secrets are write-only; the version travels as the ETag. */
const view = (
  { hasClientSecret, hasLinkKey, version: _v, ...o }: Org & { version?: number },
  push: PushStats,
) => ({
  ...o,
  clientSecret: hasClientSecret ? '***' : null,
  linkKey: hasLinkKey ? '***' : null,
  ...push,
});

/** The config routes, plus the public documents (`functions/api-docs.ts`) before token checks. */
export const makeHandler = (deps: FunctionDeps<'config-api'>, authSecret: () => Promise<string>) =>
  withPublicDocs(makeConfigApi(deps, authSecret));

const makeConfigApi = (deps: FunctionDeps<'config-api'>, authSecret: () => Promise<string>) =>
  makeApiHandler(
    withRoles(ROUTES, {
      'GET /config': async () => ({ status: 200, body: await deps.stores.config.getConfig() }),
      'PUT /config': async ({ body }) => ({
        status: 200,
        body: await deps.stores.config.patchConfig(
          parse(configPatchSchema, body),
          deps.clock().toISOString(),
        ),
      }),
      'GET /orgs/{orgId}': async ({ params }) => {
        const org = await deps.stores.config.getOrg(parse(idSchema, params.orgId));
        if (!org) throw new NotFound(`orgId: no organisation ${params.orgId}`);
        return {
          status: 200,
          body: view(org, await deps.stores.push.stats(org.orgId)),
          headers: { etag: etagOf(org.version) },
        };
      },
      'PUT /orgs/{orgId}': async ({ params, body, headers }) => {
        const { org, version, created } = await putOrg(
          parse(idSchema, params.orgId),
          parse(orgPutSchema, body),
          headers['if-match'],
          deps,
        );
        return {
          status: created ? 201 : 200,
          body: view(org, await deps.stores.push.stats(org.orgId)),
          headers: { etag: etagOf(version) },
        };
      },
      'GET /orgs': async ({ query }) => {
        const q = parse(pageQuery, query);
        const page = await deps.stores.config.pageOrgs(q.limit, q.cursor);
        const stats = await deps.stores.push.statsMany(page.items.map((o) => o.orgId));
        const items = page.items.map((o) => view(o, stats.get(o.orgId)!));
        return { status: 200, body: { items, nextCursor: page.nextCursor } };
      },
      'GET /systems': async ({ query }) => {
        const q = parse(pageQuery.extend(orgQuery.shape), query);
        return {
          status: 200,
          body: await deps.stores.config.pageSystems(q.orgId, q.limit, q.cursor),
        };
      },
      'PUT /systems/{systemId}': async ({ params, body }) => {
        const { system, created } = await registerSystem(
          parse(idSchema, params.systemId),
          parse(systemPutSchema, body),
          deps,
        );
        return { status: created ? 201 : 200, body: system };
      },
    }),
    authSecret,
  );
