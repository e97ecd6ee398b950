/**
 * `npm start`: the operator console at `/` and the HTTP API of SPEC §4.1 beside it on
 * http://127.0.0.1:${PORT:-3000}, same handlers as in AWS, with DynamoDB Local embedded (data kept
 * under the user's data directory; `--data-dir <dir>` elsewhere, `--in-memory` for throwaway), the
 * invoice-cloud simulator (unless INVOICE_CLOUD_URL is set) and queue consumers in-process. Prints
 * a dev token (pre-filled in the console).
 */
import { parseArgs } from 'node:util';
import { defaultDataDir } from './dynamo-local.js';
import { startLocal } from './start.js';

const { values } = parseArgs({
  options: { 'in-memory': { type: 'boolean' }, 'data-dir': { type: 'string' } },
});
const inMemory = values['in-memory'] === true;
const dataDir = inMemory ? undefined : (values['data-dir'] ?? defaultDataDir());
const local = await startLocal({ port: Number(process.env.PORT ?? 3000), dataDir, inMemory });
console.log(`  data: ${dataDir ?? 'in memory (--in-memory)'}`);
console.log(
  `  console: ${local.url}/   try: curl -H "authorization: Bearer <token>" ${local.url}/sync/runs`,
);
const stop = async () => {
  await local.stop();
  process.exit(0);
};
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());
