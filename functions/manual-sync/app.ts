import middy from '@middy/core';
import type { FunctionDeps } from '../deps.js';
import { parsePayload } from '#shared/http/payload.js';
import { syncRequestSchema } from '#shared/schemas/sync.js';
import { runSummary, startSync } from '#shared/sync/start.js';

/** Console invoke: `{type, orgIds?, dataDate?}` → the runs started. */
export const makeHandler = (deps: FunctionDeps<'manual-sync'>) =>
  middy<unknown, unknown>().handler(async (event) => ({
    runs: (
      await startSync(parsePayload(syncRequestSchema, event, 'manual sync payload'), deps)
    ).map(runSummary),
  }));
