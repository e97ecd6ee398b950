/**
 * Local mode hardening (security review L4): the secrets file is private and never followed through
 * a planted symlink; `/_local/*` (runs any function) needs an operator token and a loopback `Host`,
 * and answers no cross-site request.
 */
import {
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultSecretsFile, localSecrets } from '#local/secrets.js';
import { nodeListener } from '#local/stack.js';
import { startHarness, type Harness } from '#test/support/harness.js';

const mode = (path: string) => statSync(path).mode & 0o777;

describe('local secrets file (L4)', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'icb-secrets-'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('defaults under the user config dir, not the shared temp dir', () => {
    expect(defaultSecretsFile({ XDG_CONFIG_HOME: '/cfg', HOME: '/home/u' })).toBe(
      '/cfg/invoice-cloud-bridge/secrets.json',
    );
    expect(defaultSecretsFile({ HOME: '/home/u' })).toBe(
      '/home/u/.config/invoice-cloud-bridge/secrets.json',
    );
  });

  it('creates its directory 0700 and the file 0600', async () => {
    const file = join(root, 'app', 'secrets.json');

    await localSecrets(file).put('org/hz/client-secret', 'very-secret');

    expect(mode(join(root, 'app'))).toBe(0o700);
    expect(mode(file)).toBe(0o600);
    expect(await localSecrets(file).get('org/hz/client-secret')).toBe('very-secret');
  });

  it('tightens a pre-existing world-readable file and directory', async () => {
    const dir = join(root, 'app');
    mkdirSync(dir, { mode: 0o755 });
    const file = join(dir, 'secrets.json');
    writeFileSync(file, '{"org/hz/client-secret":"old"}', { mode: 0o644 });

    const secrets = localSecrets(file);
    await secrets.put('system/erp/signing-secret', 'whsec_abc');

    expect(mode(dir)).toBe(0o700);
    expect(mode(file)).toBe(0o600);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({
      'org/hz/client-secret': 'old',
      'system/erp/signing-secret': 'whsec_abc',
    });
  });

  it('refuses a secrets file that is a planted symlink, and leaves its target alone', () => {
    const dir = join(root, 'app');
    mkdirSync(dir, { mode: 0o700 });
    const target = join(root, 'attacker.json');
    writeFileSync(target, '{"org/hz/client-secret":"planted"}', { mode: 0o644 });
    const file = join(dir, 'secrets.json');
    symlinkSync(target, file);

    expect(() => localSecrets(file)).toThrow(/symbolic link/);
    expect(readFileSync(target, 'utf8')).toBe('{"org/hz/client-secret":"planted"}');
    expect(lstatSync(file).isSymbolicLink()).toBe(true);
  });

  it('refuses a secrets directory that is a planted symlink', () => {
    const elsewhere = join(root, 'elsewhere');
    mkdirSync(elsewhere, { mode: 0o777 });
    symlinkSync(elsewhere, join(root, 'app'));

    expect(() => localSecrets(join(root, 'app', 'secrets.json'))).toThrow(/symbolic link/);
  });
});

describe('/_local/* endpoints (L4)', () => {
  let h: Harness;
  let server: Server;
  let port: number;
  beforeAll(async () => {
    h = await startHarness({ register: false });
    server = createServer(nodeListener(h.stack)).listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    server?.close();
    await h?.stop();
  });

  /** A raw request to the local server with exactly these headers (Host included). */
  const send = (
    method: string,
    path: string,
    headers: Record<string, string>,
    body = '',
  ): Promise<{ status: number; headers: Record<string, unknown>; body: string }> =>
    new Promise((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, method, path, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
      });
      req.on('error', reject);
      req.end(body);
    });
  const invoke = '/_local/invoke/manual-sync';
  const payload = JSON.stringify({ type: 'input', orgIds: [] });
  const operator = () => `Bearer ${h.operator}`;
  const loopback = () => ({ host: `127.0.0.1:${port}`, 'content-type': 'application/json' });

  it('needs a token: none is 401, an expense token 403', async () => {
    const none = await send('POST', invoke, loopback(), payload);
    const expense = await send(
      'POST',
      invoke,
      { ...loopback(), authorization: `Bearer ${h.expense}` },
      payload,
    );

    expect(none.status).toBe(401);
    expect(expense.status).toBe(403);
  });

  it('answers an operator token on a loopback Host', async () => {
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`]) {
      const res = await send(
        'POST',
        '/_local/events/sync-retry',
        { ...loopback(), host, authorization: operator() },
        JSON.stringify({ time: '2024-07-23T22:00:00Z' }),
      );
      expect(res.status).toBe(200);
    }
  });

  it('refuses a rebound Host even with an operator token (DNS rebinding)', async () => {
    const res = await send(
      'POST',
      invoke,
      { ...loopback(), host: `attacker.example:${port}`, authorization: operator() },
      payload,
    );

    expect(res.status).toBe(403);
    expect(JSON.parse(res.body).error.message).toMatch(/host/i);
  });

  it('answers no cross-site request: no CORS headers, a foreign Origin refused', async () => {
    const preflight = await send('OPTIONS', invoke, {
      host: `127.0.0.1:${port}`,
      origin: 'https://attacker.example',
      'access-control-request-method': 'POST',
      'access-control-request-headers': 'authorization',
    });
    const post = await send(
      'POST',
      invoke,
      { ...loopback(), origin: 'https://attacker.example', authorization: operator() },
      payload,
    );

    for (const res of [preflight, post])
      expect(Object.keys(res.headers).filter((k) => k.startsWith('access-control-'))).toEqual([]);
    expect(preflight.status).toBeGreaterThanOrEqual(400);
    expect(post.status).toBe(403);
  });

  /** Stream up to `total` bytes of body, stopping once the server answers; what came back. */
  const stream = (path: string, total: number) =>
    new Promise<{ status: number; body: string; sent: number }>((resolve, reject) => {
      let sent = 0;
      let answered = false;
      const chunk = Buffer.alloc(64 * 1024, 'a');
      const req = request(
        { host: '127.0.0.1', port, method: 'POST', path, headers: loopback() },
        (res) => {
          answered = true;
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString(), sent }),
          );
          res.on('error', reject);
        },
      );
      req.on('error', (e) => (answered ? undefined : reject(e)));
      const pump = (): void => {
        while (!answered && sent < total) {
          sent += chunk.length;
          if (!req.write(chunk)) return void req.once('drain', pump);
        }
        if (!answered) req.end();
      };
      pump();
    });

  it('a huge body streamed without a token: 413 before it is all read; server lives', async () => {
    // Arrange
    const total = 64 * 1024 * 1024;
    // Act
    const big = await stream('/sync', total);
    const next = await send('GET', '/invoices', { ...loopback(), authorization: operator() });
    // Assert
    expect(big.status).toBe(413);
    expect(JSON.parse(big.body).error).toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
    expect(big.sent).toBeLessThan(total);
    expect(next.status).toBeLessThan(500);
  });

  it('in process (the harness), the same rules apply to the token', async () => {
    expect((await h.api('POST', invoke, payload, null)).status).toBe(401);
    expect((await h.api('POST', invoke, payload, h.expense)).status).toBe(403);
  });
});
