import type { FunctionDeps } from '../deps.js';
import { BadRequest, NotFound } from '#shared/errors.js';
import { makeApiHandler, parse, withRoles } from '#shared/http/api.js';
import { secretNames } from '#shared/ports.js';
import { idSchema } from '#shared/schemas/common.js';
import {
  configPatchSchema,
  orgPutSchema,
  type Org,
  type PushStats,
} from '#shared/schemas/config.js';
import { registerSystem } from '#shared/callbacks/systems.js';
import { systemPutSchema } from '#shared/schemas/systems.js';
import { ROUTES } from '../routes.js';

/** The org as the API shows it: the client secret and link key are write-only. */
const view = ({ hasClientSecret, hasLinkKey, ...o }: Org, push: PushStats) => ({
  ...o,
  clientSecret: hasClientSecret ? '***' : null,
  linkKey: hasLinkKey ? '***' : null,
  ...push,
});

/** Pushing needs the polling token (clientId + secret) and the link key, given now or before. */
const pushProblems = (org: Org) =>
  org.pushEnabled
    ? (
        [
          ['clientId', org.clientId],
          ['clientSecret', org.hasClientSecret],
          ['linkKey', org.hasLinkKey],
        ] as const
      )
        .filter(([, v]) => !v)
        .map(([path]) => ({ path, message: 'required when pushEnabled is true' }))
    : [];

export const makeHandler = (deps: FunctionDeps<'config-api'>, authSecret: () => Promise<string>) =>
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
        return { status: 200, body: view(org, await deps.stores.push.stats(org.orgId)) };
      },
      'PUT /orgs/{orgId}': async ({ params, body }) => {
        const orgId = parse(idSchema, params.orgId);
        const input = parse(orgPutSchema, body);
        const old = await deps.stores.config.getOrg(orgId);
        const org: Org = {
          orgId,
          orgName: input.orgName,
          taxNo: input.taxNo,
          clientId: input.clientId === undefined ? (old?.clientId ?? null) : input.clientId,
          syncEnabled: input.syncEnabled,
          hasClientSecret: Boolean(input.clientSecret) || (old?.hasClientSecret ?? false),
          pushEnabled: input.pushEnabled,
          hasLinkKey: Boolean(input.linkKey) || (old?.hasLinkKey ?? false),
          updatedAt: deps.clock().toISOString(),
        };
        const problems = pushProblems(org);
        if (problems.length)
          throw new BadRequest(
            `pushEnabled needs ${problems.map((p) => p.path).join(', ')} (set now or before)`,
            problems,
          );
        // Secrets are stored first: an org never points at a secret that is not there.
        if (input.clientSecret)
          await deps.secrets.put(secretNames.orgClientSecret(orgId), input.clientSecret);
        if (input.linkKey) await deps.secrets.put(secretNames.orgLinkKey(orgId), input.linkKey);
        await deps.stores.config.putOrg(org);
        return {
          status: old ? 200 : 201,
          body: view(org, await deps.stores.push.stats(orgId)),
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
