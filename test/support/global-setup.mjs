// One DynamoDB Local per test run, on a free port; workers inherit its endpoint.
// Loaded with tsx so it shares local/dynamo-local.ts with `npm start` and the demo.
import { tsImport } from 'tsx/esm/api';

export default async function globalSetup() {
  const { startDynamoLocal } = await tsImport('../../local/dynamo-local.ts', import.meta.url);
  const d = await startDynamoLocal();
  process.env.DYNAMO_ENDPOINT = d.endpoint;
  globalThis.__dynamo = d;
}
