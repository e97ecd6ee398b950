import type { FunctionDeps } from '../deps.js';
import { NotFound } from '#shared/domain/errors.js';
import { makeApiHandler, parse, withRoles } from '#shared/adapters/http/api.js';
import { idSchema } from '#shared/domain/schemas/common.js';
import {
  byBillsRequestSchema,
  reconcileQuerySchema,
  runsQuerySchema,
  syncRequestSchema,
} from '#shared/domain/schemas/sync.js';
import { reconcile } from '#shared/use-cases/sync/reconcile.js';
import { runSummary, startByBills, startSync } from '#shared/use-cases/sync/start.js';
import { ROUTES } from '../routes.js';

export const makeHandler = (deps: FunctionDeps<'sync-api'>, authSecret: () => Promise<string>) =>
  makeApiHandler(
    withRoles(ROUTES, {
      'POST /sync': async ({ body }) => {
        const runs = await startSync(parse(syncRequestSchema, body), deps);
        return { status: 202, body: { runs: runs.map(runSummary) } };
      },
      'POST /sync/by-bills': async ({ body }) => ({
        status: 202,
        body: { runs: [runSummary(await startByBills(parse(byBillsRequestSchema, body), deps))] },
      }),
      'GET /sync/runs': async ({ query }) => {
        const q = parse(runsQuerySchema, query);
        return { status: 200, body: await deps.stores.runs.list(q, q.limit, q.cursor) };
      },
      'GET /sync/runs/{runId}': async ({ params }) => {
        const run = await deps.stores.runs.get(parse(idSchema, params.runId));
        if (!run) throw new NotFound(`runId: no run ${params.runId}`);
        return { status: 200, body: run };
      },
      'GET /sync/reconcile': async ({ query }) => ({
        status: 200,
        body: await reconcile(parse(reconcileQuerySchema, query), deps),
      }),
    }),
    authSecret,
  );
