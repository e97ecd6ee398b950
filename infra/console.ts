/**
 * The operator console in AWS (issue 17): the static bundle in a private S3 bucket behind
 * CloudFront with Origin Access Control, security headers, SPA error mapping, access logs, and the
 * API's URL and sign-in settings in a generated `config.json`. The API's CORS allows exactly the
 * distribution's origin.
 */
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  AssetHashType,
  Aws,
  DockerImage,
  Duration,
  RemovalPolicy,
  Stack,
  Validations,
} from 'aws-cdk-lib';
import { CfnApi, type HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import {
  AllowedMethods,
  Distribution,
  HeadersFrameOption,
  HeadersReferrerPolicy,
  HttpVersion,
  PriceClass,
  ResponseHeadersPolicy,
  ViewerProtocolPolicy,
} from 'aws-cdk-lib/aws-cloudfront';
import { S3BucketOrigin } from 'aws-cdk-lib/aws-cloudfront-origins';
import {
  BlockPublicAccess,
  Bucket,
  BucketEncryption,
  ObjectOwnership,
  type CfnBucket,
} from 'aws-cdk-lib/aws-s3';
import { BucketDeployment, Source } from 'aws-cdk-lib/aws-s3-deployment';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { StageConfig } from './stage.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** What the console's `config.json` says (console/config.ts `ConsoleConfig`). */
export const consoleConfig = (apiUrl: string, stage: StageConfig) => ({
  apiUrl,
  auth:
    stage.authIssuer && stage.consoleClientId
      ? {
          mode: 'oidc' as const,
          issuer: stage.authIssuer,
          clientId: stage.consoleClientId,
          scope: 'openid',
        }
      : { mode: 'dev' as const },
});

/**
 * The CSP: scripts, styles and images from the console's own origin only; requests to itself, the
 * API and the issuer; no framing, no plugins, no foreign form targets. The API appears as its
 * region's execute-api origin: naming the exact API here would make the distribution depend on the
 * API while the API's CORS depends on the distribution (a cycle CloudFormation refuses).
 */
export const consoleCsp = (issuer: string | undefined, region: string, urlSuffix: string) => {
  const issuerOrigin = issuer ? ` ${new URL(issuer).origin}` : '';
  const api = `https://*.execute-api.${region}.${urlSuffix}`;
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    `connect-src 'self' ${api}${issuerOrigin}`,
    `form-action 'self'${issuerOrigin}`,
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "object-src 'none'",
  ].join('; ');
};

export interface ConsoleHostingProps {
  api: HttpApi;
  stage: StageConfig;
}

/** The console's bucket, distribution and deployment. */
export class ConsoleHosting extends Construct {
  readonly distribution: Distribution;
  readonly bucket: Bucket;

  constructor(scope: Construct, id: string, { api, stage }: ConsoleHostingProps) {
    super(scope, id);
    const removal = stage.removalPolicy;
    const logs = new Bucket(this, 'AccessLogs', {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      // CloudFront standard logs are written with an ACL (its log delivery account).
      objectOwnership: ObjectOwnership.OBJECT_WRITER,
      lifecycleRules: [{ expiration: Duration.days(stage.name === 'prod' ? 365 : 30) }],
      // Retained even in dev: emptying buckets needs another custom resource (and its role).
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(logs).acknowledge({
      id: 'AwsSolutions-S1',
      reason: 'This is the access-log bucket itself; logging it into itself would loop.',
    });
    this.bucket = new Bucket(this, 'Files', {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      serverAccessLogsBucket: logs,
      serverAccessLogsPrefix: 'bucket/',
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const headers = new ResponseHeadersPolicy(this, 'SecurityHeaders', {
      comment: 'Invoice Cloud Bridge console: CSP, HSTS, no framing, nosniff, referrer policy',
      securityHeadersBehavior: {
        contentSecurityPolicy: {
          contentSecurityPolicy: consoleCsp(stage.authIssuer, Aws.REGION, Aws.URL_SUFFIX),
          override: true,
        },
        strictTransportSecurity: {
          accessControlMaxAge: Duration.days(365),
          includeSubdomains: true,
          override: true,
        },
        frameOptions: { frameOption: HeadersFrameOption.DENY, override: true },
        contentTypeOptions: { override: true },
        referrerPolicy: { referrerPolicy: HeadersReferrerPolicy.NO_REFERRER, override: true },
      },
    });
    this.distribution = new Distribution(this, 'Distribution', {
      comment: 'Invoice Cloud Bridge operator console',
      defaultRootObject: 'index.html',
      httpVersion: HttpVersion.HTTP2_AND_3,
      priceClass: PriceClass.PRICE_CLASS_100,
      enableLogging: true,
      logBucket: logs,
      logFilePrefix: 'cloudfront/',
      defaultBehavior: {
        origin: S3BucketOrigin.withOriginAccessControl(this.bucket),
        viewerProtocolPolicy: ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        allowedMethods: AllowedMethods.ALLOW_GET_HEAD,
        responseHeadersPolicy: headers,
        compress: true,
      },
      // A single-page app: an unknown path (403 from a private bucket, or 404) is the app.
      errorResponses: [403, 404].map((httpStatus) => ({
        httpStatus,
        responseHttpStatus: 200,
        responsePagePath: '/index.html',
        ttl: Duration.minutes(5),
      })),
    });
    acknowledgeDistribution(this.distribution);

    // The deployment handler's own role and log group: logs only there, no AWS managed policy.
    const deployLogs = new LogGroup(this, 'DeployLogs', {
      retention: stage.logRetention,
      removalPolicy: removal,
    });
    const deployRole = new Role(this, 'DeployRole', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: 'Console deployment: copy the console bundle into its bucket',
    });
    deployRole.addToPolicy(
      new PolicyStatement({
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [deployLogs.logGroupArn],
      }),
    );
    new BucketDeployment(this, 'Deploy', {
      destinationBucket: this.bucket,
      distribution: this.distribution,
      distributionPaths: ['/*'],
      role: deployRole,
      logGroup: deployLogs,
      sources: [
        consoleBundle(),
        Source.jsonData('config.json', consoleConfig(api.apiEndpoint, stage)),
      ],
      memoryLimit: 256,
    });
    acknowledgeDeployment(this.bucket, deployRole);

    // The API answers the console's origin (bearer tokens in a header, no cookies).
    const cfn = api.node.defaultChild as CfnApi;
    cfn.corsConfiguration = {
      allowOrigins: [`https://${this.distribution.distributionDomainName}`],
      allowMethods: ['GET', 'PUT', 'POST', 'PATCH', 'DELETE', 'OPTIONS'],
      allowHeaders: ['authorization', 'content-type', 'if-match', 'idempotency-key'],
      exposeHeaders: ['etag'],
      maxAge: 600,
    };
  }
}

/**
 * The console's static files, built at synth by `console/build.ts` (esbuild, no network) through
 * local bundling; hashed by the console's sources, so an unchanged console is not rebuilt. The
 * build's own `config.json` is dropped: the deployment writes the stack's.
 */
const consoleBundle = () =>
  Source.asset(join(root, 'console'), {
    assetHashType: AssetHashType.SOURCE,
    bundling: {
      image: DockerImage.fromRegistry('local-bundling-only'),
      local: {
        tryBundle(outputDir: string) {
          execFileSync(
            process.execPath,
            ['--import', 'tsx', join(root, 'infra', 'console-bundle.ts'), outputDir],
            { cwd: root, stdio: 'inherit', env: { ...process.env, NODE_NO_WARNINGS: '1' } },
          );
          rmSync(join(outputDir, 'config.json'), { force: true });
          return true;
        },
      },
    },
  });

const acknowledgeDistribution = (d: Distribution) => {
  const v = Validations.of(d);
  v.acknowledge({
    id: 'AwsSolutions-CFR1',
    reason: 'Operators sign in from anywhere their organisation allows; no country is excluded.',
  });
  v.acknowledge({
    id: 'AwsSolutions-CFR2',
    reason: 'Static files only; every API call is authenticated and throttled at the API.',
  });
  v.acknowledge({
    id: 'AwsSolutions-CFR4',
    reason:
      'The default *.cloudfront.net domain: its certificate and TLS policy are CloudFront-fixed ' +
      '(a TLS 1.2 minimum needs a custom domain with an ACM certificate, not built). The console ' +
      'holds no data; tokens travel only to the API, whose endpoint requires TLS 1.2.',
  });
};

const COPY = "CDK's BucketDeployment handler copies the asset's objects into the console bucket";
/**
 * BucketDeployment's own Lambda (a CDK singleton custom resource at stack level) findings, each
 * with its reason: it reads the CDK asset bucket and writes the console bucket, nothing else.
 */
const acknowledgeDeployment = (files: Bucket, role: Role) => {
  const stack = Stack.of(files);
  const handler = stack.node.children.find((c) => c.node.id.startsWith(DEPLOY_HANDLER));
  if (!handler) throw new Error('console: the BucketDeployment handler was not found');
  const bucket = stack.getLogicalId(files.node.defaultChild as CfnBucket);
  const v = Validations.of(role);
  const wildcards = [
    ...['Action::s3:GetObject*', 'Action::s3:GetBucket*', 'Action::s3:List*'],
    ...['Action::s3:DeleteObject*', 'Action::s3:Abort*', `Resource::<${bucket}.Arn>/*`],
    `Resource::arn:<AWS::Partition>:s3:::cdk-hnb659fds-assets-<AWS::AccountId>-<AWS::Region>/*`,
    // CloudFront invalidation (after each deployment) has no resource-level permission.
    'Resource::*',
  ];
  for (const w of wildcards)
    v.acknowledge({ id: `AwsSolutions-IAM5[${w}]`, reason: `${COPY} (${w}).` });
  Validations.of(handler).acknowledge({
    id: 'AwsSolutions-L1',
    reason: "The runtime of CDK's BucketDeployment handler is chosen by aws-cdk-lib.",
  });
};
const DEPLOY_HANDLER = 'Custom::CDKBucketDeployment';
