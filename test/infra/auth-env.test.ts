/** L2: the token checks the API functions make come from CDK context, and only when configured. */
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { buildApp } from '#infra/build.js';
import { FUNCTIONS } from '#functions/catalog.js';

const envOf = (context: Record<string, unknown>) => {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [], ...context } });
  const fns = Template.fromStack(buildApp(app).stateless).findResources('AWS::Lambda::Function');
  return Object.values(fns).map(
    (f) => (f.Properties.Environment?.Variables ?? {}) as Record<string, unknown>,
  );
};
const AUTH_KEYS = /^AUTH_(ISSUER|AUDIENCE|JWKS_URL|ROLES_CLAIM|ORG_CLAIM|MAX_TOKEN_AGE_SECONDS)$/;

describe('auth settings in the stateless stack', () => {
  it('API functions get the configured issuer, audience, JWKS and claims; others get none', () => {
    // Act
    const envs = envOf({
      authIssuer: 'https://idp.example',
      authAudience: 'icb-api',
      authJwksUrl: 'discovery',
      authRolesClaim: 'cognito:groups',
    });
    // Assert
    const api = envs.filter((e) => 'AUTH_SECRET_ARN' in e);
    expect(api).toHaveLength(Object.values(FUNCTIONS).filter((f) => f.trigger === 'api').length);
    for (const e of api)
      expect(e).toMatchObject({
        AUTH_ISSUER: 'https://idp.example',
        AUTH_AUDIENCE: 'icb-api',
        AUTH_JWKS_URL: 'discovery',
        AUTH_ROLES_CLAIM: 'cognito:groups',
      });
    const others = envs.filter((e) => !('AUTH_SECRET_ARN' in e));
    expect(others.flatMap((e) => Object.keys(e).filter((k) => AUTH_KEYS.test(k)))).toEqual([]);
  });

  it('without context no auth variable is set (HS256 with the stack token secret)', () => {
    const keys = envOf({}).flatMap((e) => Object.keys(e).filter((k) => AUTH_KEYS.test(k)));
    expect(keys).toEqual([]);
  });
});
