/**
 * `npm start` answers only requests naming a loopback host: a web page that rebinds its own DNS
 * name to 127.0.0.1 gets neither the console's config.json (which holds the dev token) nor the
 * API (review: DNS rebinding stole the operator dev token).
 */
import { request } from 'node:http';
import { startLocal, type Started } from '#local/start.js';

const get = (url: string, path: string, host: string) =>
  new Promise<{ status: number; body: string }>((ok, fail) => {
    const req = request(`${url}${path}`, { headers: { host } }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => ok({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', fail);
    req.end();
  });

describe('local mode and DNS rebinding', () => {
  let local: Started;
  beforeAll(async () => {
    local = await startLocal({ inMemory: true, quiet: true });
  }, 120_000);
  afterAll(() => local.stop());

  it('serves config.json and the API on a loopback host', async () => {
    const port = new URL(local.url).port;

    const config = await get(local.url, '/config.json', `127.0.0.1:${port}`);
    const docs = await get(local.url, '/openapi.json', `localhost:${port}`);

    expect(config.status).toBe(200);
    expect(config.body).toContain(local.token);
    expect(docs.status).toBe(200);
  });

  it.each(['/config.json', '/', '/orgs', '/openapi.json'])(
    'refuses %s for a foreign host, without the token',
    async (path) => {
      const res = await get(local.url, path, 'attacker.example:3000');

      expect(res.status).toBe(403);
      expect(JSON.parse(res.body).error.details[0].path).toBe('host');
      expect(res.body).not.toContain(local.token);
    },
  );
});
