/**
 * `npm start`: the HTTP API of SPEC §4.1 on http://127.0.0.1:${PORT:-3000}, same handlers as in
 * AWS, with DynamoDB Local embedded, the invoice-cloud simulator (unless INVOICE_CLOUD_URL is set)
 * and queue consumers in-process. Prints a dev token.
 */
import { createServer } from 'node:http';
import { startDynamoLocal } from './dynamo-local.js';
import { defaultSecretsFile } from './secrets.js';
import { buildLocalStack, DEV_AUTH_SECRET, nodeListener } from './stack.js';
import { startSimulator } from '#simulator/invoice-cloud.js';
import { cstDate } from '#shared/time/cst.js';
import { DEMO_ORGS } from './demo-orgs.js';
import { setLogLevel } from '#shared/logger.js';

setLogLevel('WARN');
const port = Number(process.env.PORT ?? 3000);
const dynamo = await startDynamoLocal();
const sim = process.env.INVOICE_CLOUD_URL
  ? undefined
  : await startSimulator({
      orgs: DEMO_ORGS.map((o) => o.sim),
      endDate: cstDate(new Date()),
      days: 30,
    });
const stack = await buildLocalStack({
  dynamoEndpoint: dynamo.endpoint,
  cloudUrl: process.env.INVOICE_CLOUD_URL ?? sim!.url,
  authSecret: process.env.AUTH_JWT_SECRET ?? DEV_AUTH_SECRET,
  tablePrefix: 'local',
  secretsFile: process.env.LOCAL_SECRETS_FILE || defaultSecretsFile(),
});
if (sim) {
  for (const o of DEMO_ORGS)
    await stack.http(
      'PUT',
      `/orgs/${o.orgId}`,
      { authorization: `Bearer ${stack.token({ sub: 'setup', roles: ['operator'] })}` },
      JSON.stringify({
        orgName: o.sim.orgName,
        taxNo: o.sim.taxNo,
        clientId: o.sim.clientId,
        clientSecret: o.sim.clientSecret,
      }),
    );
}
const server = createServer(nodeListener(stack));
server.listen(port, '127.0.0.1', () => {
  const token = stack.token({
    sub: 'dev-user',
    orgId: DEMO_ORGS[0]!.orgId,
    roles: ['operator', 'expense', 'cloud'],
  });
  console.log(`Invoice Cloud Bridge (local mode) on http://127.0.0.1:${port}`);
  const cloudUrl = process.env.INVOICE_CLOUD_URL ?? `${sim!.url} (simulator)`;
  console.log(`  DynamoDB Local ${dynamo.endpoint} · invoice cloud ${cloudUrl}`);
  if (sim) console.log(`  simulator orgs registered: ${DEMO_ORGS.map((o) => o.orgId).join(', ')}`);
  const roles = `operator + expense + cloud, org ${DEMO_ORGS[0]!.orgId}, 12 h`;
  console.log(`  dev token (${roles}):\n\n${token}\n`);
  if (process.env.AUTH_JWKS_URL)
    console.log('  AUTH_JWKS_URL is set: only the issuer tokens are accepted, not this one');
  console.log(`  try: curl -H "authorization: Bearer <token>" http://127.0.0.1:${port}/sync/runs`);
});
const stop = async () => {
  server.close();
  await sim?.stop();
  await dynamo.stop();
  process.exit(0);
};
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());
