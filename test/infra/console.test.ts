/**
 * The console in AWS (issue 17): a private, encrypted, SSL-only bucket reached only through
 * CloudFront's Origin Access Control; security headers; SPA error mapping; access logs; the
 * generated config.json with the API's URL and, when configured, the OIDC client; the API's CORS
 * allowing exactly the distribution's origin; the public document routes on the API.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { buildApp } from '#infra/build.js';
import { consoleConfig, consoleCsp } from '#infra/console.js';
import { STAGES } from '#infra/stage.js';
import { PUBLIC_ROUTES } from '#functions/routes.js';

// Bundling skipped (the synth of `npm test` builds the console for real).
const synth = (context: Record<string, unknown> = {}) =>
  Template.fromStack(
    buildApp(new App({ context: { 'aws:cdk:bundling-stacks': [], ...context } })).stateless,
  );
const t = synth();
const one = (type: string) => {
  const all = Object.entries(t.findResources(type));
  expect(all).toHaveLength(1);
  return all[0]! as [string, { Properties: Record<string, any> }];
};

describe('console hosting', () => {
  it('the files bucket is private, encrypted, SSL-only and logged', () => {
    const buckets = Object.values(t.findResources('AWS::S3::Bucket')) as {
      Properties: Record<string, any>;
    }[];
    expect(buckets).toHaveLength(2);
    for (const b of buckets) {
      expect(b.Properties.PublicAccessBlockConfiguration).toEqual({
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      });
      expect(b.Properties.BucketEncryption.ServerSideEncryptionConfiguration).toEqual([
        { ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } },
      ]);
    }
    expect(buckets.filter((b) => b.Properties.LoggingConfiguration)).toHaveLength(1);
    const policies = Object.values(t.findResources('AWS::S3::BucketPolicy')) as any[];
    for (const p of policies)
      expect(p.Properties.PolicyDocument.Statement).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            Effect: 'Deny',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
        ]),
      );
    // Only CloudFront (this distribution, by its ARN) may read the files.
    const reads = policies
      .flatMap((p) => p.Properties.PolicyDocument.Statement)
      .filter((s: any) => s.Effect === 'Allow' && [s.Action].flat().includes('s3:GetObject'));
    expect(reads).toHaveLength(1);
    expect(reads[0].Principal).toEqual({ Service: 'cloudfront.amazonaws.com' });
    expect(reads[0].Condition.StringEquals['AWS:SourceArn']).toBeDefined();
  });

  it('CloudFront: OAC, HTTPS, index.html, SPA errors, access logs, security headers', () => {
    one('AWS::CloudFront::OriginAccessControl');
    const [, dist] = one('AWS::CloudFront::Distribution');
    const c = dist.Properties.DistributionConfig;
    expect(c.DefaultRootObject).toBe('index.html');
    expect(c.DefaultCacheBehavior.ViewerProtocolPolicy).toBe('redirect-to-https');
    expect(c.Origins[0].OriginAccessControlId).toBeDefined();
    expect(c.Logging.Bucket).toBeDefined();
    expect(c.ViewerCertificate ?? {}).not.toHaveProperty('MinimumProtocolVersion', 'TLSv1');
    expect(c.CustomErrorResponses).toEqual(
      [403, 404].map((code) =>
        expect.objectContaining({
          ErrorCode: code,
          ResponseCode: 200,
          ResponsePagePath: '/index.html',
        }),
      ),
    );
    const [, policy] = one('AWS::CloudFront::ResponseHeadersPolicy');
    const h = policy.Properties.ResponseHeadersPolicyConfig.SecurityHeadersConfig;
    expect(h.StrictTransportSecurity).toMatchObject({ AccessControlMaxAgeSec: 31536000 });
    expect(h.FrameOptions.FrameOption).toBe('DENY');
    expect(h.ContentTypeOptions).toEqual({ Override: true });
    expect(h.ReferrerPolicy.ReferrerPolicy).toBe('no-referrer');
    expect(JSON.stringify(h.ContentSecurityPolicy)).toContain("frame-ancestors 'none'");
  });

  it('the CSP allows only self, the API region and the issuer', () => {
    const csp = consoleCsp(
      'https://login.example.com/realms/icb',
      'cn-north-1',
      'amazonaws.com.cn',
    );
    const connect = csp.split('; ').find((d) => d.startsWith('connect-src'));
    expect(connect).toBe(
      "connect-src 'self' https://*.execute-api.cn-north-1.amazonaws.com.cn " +
        'https://login.example.com',
    );
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|\*\s|'none'.*'self'.*script/);
  });

  it('deploys the bundle with a config.json naming the API; the API allows the console', () => {
    const deploy = Object.values(t.findResources('Custom::CDKBucketDeployment'))[0] as any;
    expect(deploy.Properties.SourceObjectKeys).toHaveLength(2);
    // config.json's API URL is the API's endpoint, filled in at deploy time.
    expect(JSON.stringify(deploy.Properties.SourceMarkers)).toMatch(/"ApiEndpoint"/);
    expect(deploy.Properties.DistributionPaths).toEqual(['/*']);
    t.hasResourceProperties('AWS::ApiGatewayV2::Api', {
      CorsConfiguration: Match.objectLike({
        AllowOrigins: [
          {
            'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [Match.anyValue(), 'DomainName'] }]],
          },
        ],
        AllowHeaders: Match.arrayWith(['authorization', 'if-match']),
      }),
    });
    expect(consoleConfig('https://api', STAGES.dev)).toEqual({
      apiUrl: 'https://api',
      auth: { mode: 'dev' },
    });
    expect(
      consoleConfig('https://api', {
        ...STAGES.prod,
        authIssuer: 'https://idp.example.com',
        consoleClientId: 'icb-console',
      }).auth,
    ).toEqual({
      mode: 'oidc',
      issuer: 'https://idp.example.com',
      clientId: 'icb-console',
      scope: 'openid',
    });
  });

  it("the deployment handler's role: no managed policy, logs only to its log group", () => {
    const [roleId, role] = Object.entries(t.findResources('AWS::IAM::Role')).find(([id]) =>
      id.startsWith('ConsoleDeployRole'),
    ) as [string, any];
    expect(role.Properties.ManagedPolicyArns).toBeUndefined();
    const statements = Object.values(t.findResources('AWS::IAM::Policy'))
      .filter((p: any) => p.Properties.Roles.some((r: any) => r.Ref === roleId))
      .flatMap((p: any) => p.Properties.PolicyDocument.Statement);
    const logs = statements.filter((st: any) => JSON.stringify(st.Action).includes('logs:'));
    expect(logs).toHaveLength(1);
    expect(JSON.stringify(logs[0].Resource)).toContain('ConsoleDeployLogs');
    expect(JSON.stringify(statements)).not.toMatch(/"Action":"\*"|"s3:\*"/);
  });

  it('the documents are routes of the API, with no authorizer', () => {
    const routes = Object.values(t.findResources('AWS::ApiGatewayV2::Route')).map(
      (r: any) => r.Properties.RouteKey as string,
    );
    for (const key of Object.keys(PUBLIC_ROUTES)) expect(routes).toContain(key);
  });

  it('writes the OIDC client of the context into the deployed config.json', () => {
    const outdir = mkdtempSync(join(tmpdir(), 'icb-console-'));
    const context = {
      'aws:cdk:bundling-stacks': [],
      authIssuer: 'https://idp.example.com',
      consoleClientId: 'icb-console',
    };
    const app = new App({ outdir, context });
    buildApp(app);
    app.synth();
    const configs = readdirSync(outdir, { recursive: true, encoding: 'utf8' })
      .filter((f) => f.endsWith('config.json'))
      .map((f) => JSON.parse(readFileSync(join(outdir, f), 'utf8')));
    expect(configs).toContainEqual({
      apiUrl: expect.stringMatching(/marker/),
      auth: {
        mode: 'oidc',
        issuer: 'https://idp.example.com',
        clientId: 'icb-console',
        scope: 'openid',
      },
    });
    rmSync(outdir, { recursive: true, force: true });
  });
});
