/**
 * Local mode as a function (issue 17): DynamoDB Local (on a data directory, or in memory), the
 * invoice-cloud simulator unless INVOICE_CLOUD_URL is set, the product's stack, and one HTTP
 * server answering the operator console at `/` and the API beside it (same origin, same tokens).
 * `npm start` (local/server.ts) and the browser tests call it.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { bundleConsole } from '../console/build.js';
import { startDynamoLocal } from './dynamo-local.js';
import { defaultSecretsFile } from './secrets.js';
import {
  buildLocalStack,
  DEV_AUTH_SECRET,
  LOOPBACK_HOST,
  nodeListener,
  type LocalStack,
} from './stack.js';
import { startSimulator } from '#simulator/invoice-cloud.js';
import { cstDate } from '#shared/domain/time/cst.js';
import { DEMO_ORGS } from './demo-orgs.js';
import { resumeInFlight } from './resume.js';
import { setLogLevel } from '#shared/logger.js';

export interface StartOptions {
  /** 0 (default in tests) = a free port; `npm start` passes PORT or 3000. */
  port?: number;
  /** DynamoDB Local's data directory (default: in memory unless given). */
  dataDir?: string;
  inMemory?: boolean;
  /** No start-up lines on stdout. */
  quiet?: boolean;
}

export interface Started {
  url: string;
  /** The dev token (operator + expense + cloud, the first demo org), pre-filled in the console. */
  token: string;
  stack: LocalStack;
  stop(): Promise<void>;
}

const TYPES: Record<string, string> = {
  'index.html': 'text/html; charset=utf-8',
  'app.js': 'text/javascript; charset=utf-8',
  'app.css': 'text/css; charset=utf-8',
  'config.json': 'application/json; charset=utf-8',
};
/** The console's headers: same strictness as the CloudFront response headers policy. */
const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
};

const WRONG_HOST = (host: string) =>
  JSON.stringify({
    error: {
      code: 'FORBIDDEN',
      message: `host: local mode answers only on 127.0.0.1 or localhost, not ${host}`,
      details: [{ path: 'host', message: 'a loopback name (DNS rebinding is refused)' }],
    },
  });

/**
 * Serve the console's files for GET `/` and its four file names; else hand over to the API. Any
 * request naming a host other than loopback is refused first: a web page that rebinds its own
 * name to 127.0.0.1 must get neither the dev token in config.json nor the API.
 */
const consoleListener = (files: Map<string, string>, api: ReturnType<typeof nodeListener>) => {
  return (req: IncomingMessage, res: ServerResponse) => {
    const host = req.headers.host ?? '';
    if (!LOOPBACK_HOST.test(host)) {
      res.writeHead(403, { 'content-type': 'application/json' });
      return res.end(WRONG_HOST(host.slice(0, 100)));
    }
    const path = (req.url ?? '/').split('?')[0]!;
    const name = path === '/' ? 'index.html' : path.slice(1);
    const text = req.method === 'GET' ? files.get(name) : undefined;
    if (text === undefined) return api(req, res);
    res.writeHead(200, {
      'content-type': TYPES[name]!,
      'cache-control': 'no-store',
      ...SECURITY_HEADERS,
    });
    res.end(text);
  };
};

/**
 * Register the simulator's demo orgs (their cloud credentials) through the API. The replies' HTTP
 * statuses, org by org (local mode starts whatever they are; the demo insists on success).
 */
export const registerDemoOrgs = async (stack: LocalStack): Promise<number[]> => {
  const auth = { authorization: `Bearer ${stack.token({ sub: 'setup', roles: ['operator'] })}` };
  const statuses: number[] = [];
  for (const o of DEMO_ORGS) {
    const body = {
      orgName: o.sim.orgName,
      taxNo: o.sim.taxNo,
      clientId: o.sim.clientId,
      clientSecret: o.sim.clientSecret,
    };
    statuses.push((await stack.http('PUT', `/orgs/${o.orgId}`, auth, JSON.stringify(body))).status);
  }
  return statuses;
};

/**
 * Start local mode and answer when it serves. The console is bundled in memory at start (esbuild,
 * about a second) with the dev token pre-filled in its config.json.
 */
export async function startLocal(opts: StartOptions = {}): Promise<Started> {
  setLogLevel('WARN');
  const dynamo = await startDynamoLocal({ dataDir: opts.dataDir, inMemory: opts.inMemory });
  const cloudEnv = process.env.INVOICE_CLOUD_URL;
  const sim = cloudEnv
    ? undefined
    : await startSimulator({
        orgs: DEMO_ORGS.map((o) => o.sim),
        endDate: cstDate(new Date()),
        days: 30,
      });
  const stack = await buildLocalStack({
    dynamoEndpoint: dynamo.endpoint,
    cloudUrl: cloudEnv ?? sim!.url,
    authSecret: process.env.AUTH_JWT_SECRET ?? DEV_AUTH_SECRET,
    tablePrefix: 'local',
    secretsFile: process.env.LOCAL_SECRETS_FILE || defaultSecretsFile(),
  });
  if (sim) await registerDemoOrgs(stack);
  // Runs and callbacks the previous process left in flight (a data directory) are queued again.
  const resumed = await resumeInFlight(stack);
  const token = stack.token({
    sub: 'dev-user',
    orgId: DEMO_ORGS[0]!.orgId,
    roles: ['operator', 'expense', 'cloud'],
  });
  const files = await bundleConsole({ config: { apiUrl: '', auth: { mode: 'dev', token } } });
  const server = createServer(consoleListener(files, nodeListener(stack)));
  await new Promise<void>((ok) => server.listen(opts.port ?? 0, '127.0.0.1', ok));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  if (!opts.quiet) {
    console.log(`Invoice Cloud Bridge (local mode) on ${url}  (console at /)`);
    const cloud = cloudEnv ?? `${sim!.url} (simulator)`;
    console.log(`  DynamoDB Local ${dynamo.endpoint} · invoice cloud ${cloud}`);
    if (sim)
      console.log(`  simulator orgs registered: ${DEMO_ORGS.map((o) => o.orgId).join(', ')}`);
    if (resumed.runs || resumed.callbacks)
      console.log(`  resumed: ${resumed.runs} runs, ${resumed.callbacks} callbacks in flight`);
    const roles = `operator + expense + cloud, org ${DEMO_ORGS[0]!.orgId}, 12 h`;
    console.log(`  dev token (${roles}):\n\n${token}\n`);
    if (process.env.AUTH_JWKS_URL)
      console.log('  AUTH_JWKS_URL is set: only the issuer tokens are accepted, not this one');
  }
  return {
    url,
    token,
    stack,
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((ok) => server.close(() => ok()));
      stack.close();
      await sim?.stop();
      await dynamo.stop();
    },
  };
}
