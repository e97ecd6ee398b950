/** L2: bearer tokens: exp required, a max age, iss/aud when set, the roles claim, HS256 or JWKS. */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import type { Context } from 'aws-lambda';
import { makeApiHandler } from '#shared/adapters/http/api.js';
import {
  authSettingsFromEnv,
  createVerifier,
  signJwt,
  type AuthSettings,
} from '#shared/adapters/http/jwt.js';

const SECRET = 'unit-test-secret';
const now = () => Math.floor(Date.now() / 1000);
const hs = (claims: Record<string, unknown>) =>
  new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(SECRET));
const settings = (o: Partial<AuthSettings> = {}): AuthSettings => ({
  ...authSettingsFromEnv({}),
  ...o,
});
const verify = (token: string, o: Partial<AuthSettings> = {}, scheme = 'Bearer') =>
  createVerifier(settings(o), () => Promise.resolve(SECRET))(`${scheme} ${token}`);
const refused = async (p: Promise<unknown>) => {
  await expect(p).rejects.toMatchObject({ status: 401 });
};

describe('JWT verification (HS256 with the shared secret)', () => {
  const op = { sub: 'u', roles: ['operator'] };

  it('accepts a fresh token: sub, orgId, the known roles; Bearer in any case', async () => {
    // Arrange
    const token = signJwt({ sub: 'u', orgId: 'hz', roles: ['expense', 'cloud', 'root'] }, SECRET);
    // Act
    const p = await verify(token, {}, 'bEaReR');
    // Assert
    expect(p).toEqual({ sub: 'u', orgId: 'hz', roles: ['expense', 'cloud'] });
  });

  it('refuses a token without exp (it would never expire)', async () => {
    await refused(verify(await hs({ ...op, iat: now() })));
  });

  it('refuses a token older than the max age, and one issued in the future', async () => {
    const old = await hs({ ...op, iat: now() - 13 * 3600, exp: now() + 100 * 365 * 86400 });
    const future = await hs({ ...op, iat: now() + 3600, exp: now() + 7200 });
    await refused(verify(old));
    await refused(verify(future));
    await refused(verify(await hs({ ...op, iat: 'yesterday', exp: now() + 60 })));
  });

  it('accepts a token without iat (SPEC §4.1 needs only exp and sub); sub required', async () => {
    // Arrange
    const token = await hs({ sub: 'u', orgId: 'hz', roles: ['expense'], exp: now() + 60 });
    // Act
    const p = await verify(token);
    // Assert
    expect(p).toEqual({ sub: 'u', orgId: 'hz', roles: ['expense'] });
    await refused(verify(await hs({ orgId: 'hz', roles: ['expense'], exp: now() + 60 })));
  });

  it('refuses an expired token, a forged one and alg none', async () => {
    await refused(verify(signJwt(op, SECRET, -3600)));
    await refused(verify(signJwt(op, 'another-secret')));
    const none = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(
      JSON.stringify({ ...op, iat: now(), exp: now() + 60 }),
    ).toString('base64url')}.`;
    await refused(verify(none));
  });

  it('checks iss and aud when configured', async () => {
    const o = { issuer: 'https://idp.example', audience: 'icb-api' };
    const good = signJwt({ ...op, iss: o.issuer, aud: o.audience }, SECRET);
    await expect(verify(good, o)).resolves.toMatchObject({ sub: 'u' });
    await refused(verify(signJwt({ ...op, iss: 'https://other', aud: o.audience }, SECRET), o));
    await refused(verify(signJwt({ ...op, iss: o.issuer, aud: 'other-service' }, SECRET), o));
    await refused(verify(signJwt(op, SECRET), o));
  });

  it('reads roles and the org from configured claims (e.g. cognito:groups)', async () => {
    const token = signJwt(
      { sub: 'svc', 'cognito:groups': ['Expense'], 'custom:orgId': 'sh' },
      SECRET,
    );
    const p = await verify(token, { rolesClaim: 'cognito:groups', orgClaim: 'custom:orgId' });
    expect(p).toEqual({ sub: 'svc', orgId: 'sh', roles: ['expense'] });
  });

  it('refuses a non-operator role without an orgId; an operator needs none', async () => {
    for (const role of ['expense', 'user', 'cloud'])
      await refused(verify(signJwt({ sub: 'u', roles: [role] }, SECRET)));
    await expect(verify(signJwt(op, SECRET))).resolves.toEqual({ sub: 'u', roles: ['operator'] });
    const both = signJwt({ sub: 'u', roles: ['operator', 'expense'] }, SECRET);
    await expect(verify(both)).resolves.toEqual({ sub: 'u', roles: ['operator', 'expense'] });
  });

  it('settings come from the environment; a bad max age is a start-up error', () => {
    expect(
      authSettingsFromEnv({
        AUTH_ISSUER: 'https://idp',
        AUTH_AUDIENCE: 'api',
        AUTH_ROLES_CLAIM: 'cognito:groups',
        AUTH_JWKS_URL: 'https://idp/jwks',
        AUTH_MAX_TOKEN_AGE_SECONDS: '3600',
      }),
    ).toMatchObject({
      issuer: 'https://idp',
      audience: 'api',
      rolesClaim: 'cognito:groups',
      orgClaim: 'orgId',
      jwksUrl: 'https://idp/jwks',
      maxTokenAgeSeconds: 3600,
    });
    expect(() => authSettingsFromEnv({ AUTH_MAX_TOKEN_AGE_SECONDS: 'soon' })).toThrow(
      /AUTH_MAX_TOKEN_AGE_SECONDS/,
    );
  });
});

describe('JWT verification against an OIDC issuer JWKS (RS256, ES256)', () => {
  let server: Server;
  let base: string;
  let rsa: CryptoKey;
  let ec: CryptoKey;
  let stranger: CryptoKey;
  const jwks: { keys: JWK[] } = { keys: [] };

  beforeAll(async () => {
    const r = await generateKeyPair('RS256');
    const e = await generateKeyPair('ES256');
    rsa = r.privateKey;
    ec = e.privateKey;
    stranger = (await generateKeyPair('RS256')).privateKey;
    jwks.keys = [
      { ...(await exportJWK(r.publicKey)), kid: 'rsa-1', alg: 'RS256', use: 'sig' },
      { ...(await exportJWK(e.publicKey)), kid: 'ec-1', alg: 'ES256', use: 'sig' },
    ];
    server = createServer((req, res) => {
      res.setHeader('content-type', 'application/json');
      if (req.url === '/jwks') res.end(JSON.stringify(jwks));
      else if (req.url === '/.well-known/openid-configuration')
        res.end(JSON.stringify({ issuer: base, jwks_uri: `${base}/jwks` }));
      else res.writeHead(404).end('{}');
    });
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((ok) => server.close(() => ok())));

  const idp = (key: CryptoKey, alg: string, kid: string, claims: Record<string, unknown> = {}) =>
    new SignJWT({ orgId: 'hz', roles: ['expense'], ...claims })
      .setProtectedHeader({ alg, kid })
      .setSubject('svc-hz')
      .setIssuer(base)
      .setAudience('icb-api')
      .setIssuedAt()
      .setExpirationTime('10m')
      .sign(key);

  it('accepts RS256 and ES256 tokens signed by the issuer keys', async () => {
    const o = { jwksUrl: `${base}/jwks`, issuer: base, audience: 'icb-api' };
    const want = { sub: 'svc-hz', orgId: 'hz', roles: ['expense'] };
    await expect(verify(await idp(rsa, 'RS256', 'rsa-1'), o)).resolves.toEqual(want);
    await expect(verify(await idp(ec, 'ES256', 'ec-1'), o)).resolves.toEqual(want);
  });

  it('finds the JWKS through the issuer discovery document', async () => {
    const o = { jwksUrl: 'discovery', issuer: base, audience: 'icb-api' };
    await expect(verify(await idp(ec, 'ES256', 'ec-1'), o)).resolves.toMatchObject({
      sub: 'svc-hz',
    });
  });

  it('refuses another key, and the shared-secret HS256 once a JWKS is configured', async () => {
    const o = { jwksUrl: `${base}/jwks`, issuer: base, audience: 'icb-api' };
    await refused(verify(await idp(stranger, 'RS256', 'rsa-1'), o));
    const minted = signJwt({ sub: 'x', roles: ['operator'], iss: base, aud: 'icb-api' }, SECRET);
    await refused(verify(minted, o));
  });
  it('an API handler with a JWKS takes issuer tokens, never reads the shared secret', async () => {
    // Arrange
    let secretReads = 0;
    const handler = makeApiHandler(
      {
        'GET /x': { roles: ['expense'], action: async (r) => ({ status: 200, body: r.principal }) },
      },
      async () => {
        secretReads++;
        return SECRET;
      },
      settings({ jwksUrl: `${base}/jwks`, issuer: base, audience: 'icb-api' }),
    );
    const call = async (token: string) =>
      (await handler(
        { routeKey: 'GET /x', headers: { Authorization: `Bearer ${token}` } } as never,
        { awsRequestId: 'r' } as Context,
      )) as { statusCode: number; body: string };
    // Act
    const issued = await call(await idp(rsa, 'RS256', 'rsa-1'));
    const minted = await call(signJwt({ sub: 'x', orgId: 'hz', roles: ['expense'] }, SECRET));
    // Assert
    expect([issued.statusCode, JSON.parse(issued.body)]).toEqual([
      200,
      { sub: 'svc-hz', orgId: 'hz', roles: ['expense'] },
    ]);
    expect(minted.statusCode).toBe(401);
    expect(secretReads).toBe(0);
  });
});
