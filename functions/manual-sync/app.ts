import middy from '@middy/core';
import type { FunctionDeps } from '../deps.js';
import { parsePayload } from '#shared/adapters/http/payload.js';
import { syncRequestSchema } from '#shared/domain/schemas/sync.js';
import { runSummary, startSync } from '#shared/use-cases/sync/start.js';

/** Console invoke: `{type, orgIds?, dataDate?}` → the runs started. */
export const makeHandler = (deps: FunctionDeps<'manual-sync'>) =>
  middy<unknown, unknown>().handler(async (event) => ({
    runs: (
      await startSync(parsePayload(syncRequestSchema, event, 'manual sync payload'), deps)
    ).map(runSummary),
  }));
