import { ArnFormat, Duration, Stack, Validations, type StackProps } from 'aws-cdk-lib';
import { CfnStage, HttpApi, HttpMethod } from 'aws-cdk-lib/aws-apigatewayv2';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { Construct } from 'constructs';
import {
  FUNCTIONS,
  QUEUE_ENV,
  type FunctionName,
  type FunctionSpec,
  type SecretAccess,
} from '../functions/catalog.js';
import { ROUTES, type RouteKey } from '../functions/routes.js';
import { SECRET_PREFIX, type SecretKind } from '../shared/ports.js';
import { TABLES, type TableKey } from '../shared/store/tables.js';
import { tableStatements } from './grants.js';
import { BridgeFunction } from './bridge-function.js';
import type { StatefulStack } from './stateful-stack.js';

export interface StatelessProps extends StackProps {
  stateful: StatefulStack;
  invoiceCloudUrl: string;
  /** EventBridge cron (UTC) for the daily sync: default 15:30 UTC = 23:30 China time. */
  dailySyncCron: { minute: string; hour: string };
  /** Default 22:00 UTC = 06:00 China time. */
  retryCron: { minute: string; hour: string };
}

/**
 * Token checks the API functions read (`shared/http/jwt.ts`), set only when configured by CDK context:
 * `authIssuer`, `authAudience`, `authJwksUrl` (a URL or `discovery`), `authRolesClaim`, `authOrgClaim`,
 * `authMaxTokenAgeSeconds`. Unset, tokens are HS256 with the stack's token secret.
 */
const AUTH_CONTEXT = {
  authIssuer: 'AUTH_ISSUER',
  authAudience: 'AUTH_AUDIENCE',
  authJwksUrl: 'AUTH_JWKS_URL',
  authRolesClaim: 'AUTH_ROLES_CLAIM',
  authOrgClaim: 'AUTH_ORG_CLAIM',
  authMaxTokenAgeSeconds: 'AUTH_MAX_TOKEN_AGE_SECONDS',
} as const;
const authEnv = (scope: Construct): Record<string, string> => {
  const env: Record<string, string> = {};
  for (const [key, name] of Object.entries(AUTH_CONTEXT)) {
    const v: unknown = scope.node.tryGetContext(key);
    if (typeof v === 'string' || typeof v === 'number') env[name] = String(v);
    else if (v !== undefined) throw new Error(`context ${key} must be a string`);
  }
  return env;
};

/**
 * Every route's steady rate (requests per second) and burst on the API stage, unless CDK context
 * `apiThrottleRate` / `apiThrottleBurst` say otherwise (security review M2): a flood is refused with
 * 429 by API Gateway before it costs an invocation.
 */
export const API_THROTTLE_DEFAULTS = { rate: 50, burst: 100 } as const;
const apiThrottle = (scope: Construct) => {
  const num = (key: string, fallback: number): number => {
    const v: unknown = scope.node.tryGetContext(key);
    const n = v === undefined ? fallback : Number(v);
    if (!Number.isFinite(n) || n <= 0) throw new Error(`context ${key} must be a positive number`);
    return n;
  };
  return {
    throttlingRateLimit: num('apiThrottleRate', API_THROTTLE_DEFAULTS.rate),
    throttlingBurstLimit: num('apiThrottleBurst', API_THROTTLE_DEFAULTS.burst),
  };
};

/** Stateless part: the functions (least privilege from the catalog), the HTTP API, schedules, queue triggers. */
export class StatelessStack extends Stack {
  readonly functions = {} as Record<FunctionName, BridgeFunction>;
  readonly api: HttpApi;

  constructor(scope: Construct, id: string, props: StatelessProps) {
    super(scope, id, props);
    const { stateful } = props;
    const secretsPrefix = `${stateful.stackName}/`;
    const reserve = String(this.node.tryGetContext('apiReservedConcurrency') ?? 'true') !== 'false';
    for (const [name, spec] of Object.entries(FUNCTIONS) as [FunctionName, FunctionSpec][]) {
      const env: Record<string, string> = {};
      // Only the API functions verify bearer tokens, so only they read the token secret.
      if (spec.trigger === 'api') env.AUTH_SECRET_ARN = stateful.authSecret.secretArn;
      if (spec.trigger === 'api') Object.assign(env, authEnv(this));
      if (spec.outbound) env.INVOICE_CLOUD_URL = props.invoiceCloudUrl;
      const fn = new BridgeFunction(this, name, {
        environment: env,
        ...(reserve && spec.reservedConcurrency
          ? { reservedConcurrentExecutions: spec.reservedConcurrency }
          : {}),
      });
      for (const [key, access] of Object.entries(spec.tables) as [TableKey, 'r' | 'rw'][]) {
        const table = stateful.tables[key];
        fn.addEnvironment(TABLES[key].env, table.tableName);
        for (const st of tableStatements(table, TABLES[key].indexes, access))
          fn.addToRolePolicy(st);
      }
      for (const q of spec.sends) {
        fn.addEnvironment(QUEUE_ENV[q], stateful.queues[q].queueUrl);
        stateful.queues[q].grantSendMessages(fn);
      }
      if (spec.trigger === 'api') stateful.authSecret.grantRead(fn);
      for (const st of secretStatements(stateful, secretsPrefix, spec.secrets))
        fn.addToRolePolicy(st);
      if (Object.keys(spec.secrets).length) fn.addEnvironment('SECRETS_PREFIX', secretsPrefix);
      this.functions[name] = fn;
      acknowledgeFunction(fn, secretsPrefix, spec.secrets);
    }

    const f = this.functions;
    f['sync-worker'].addEventSource(
      new SqsEventSource(stateful.queues.sync, { batchSize: 1, reportBatchItemFailures: true }),
    );
    f['bill-writeback'].addEventSource(
      new SqsEventSource(stateful.queues.writeback, {
        batchSize: 10,
        reportBatchItemFailures: true,
      }),
    );
    f['callback-sender'].addEventSource(
      new SqsEventSource(stateful.queues.callbacks, {
        batchSize: 10,
        reportBatchItemFailures: true,
      }),
    );

    new Rule(this, 'DailySync', {
      description: 'Daily incremental invoice sync (China time 23:30 by default)',
      schedule: Schedule.cron(props.dailySyncCron),
      targets: [new LambdaFunction(f['daily-sync'], { retryAttempts: 2 })],
    });
    new Rule(this, 'SyncRetry', {
      description: 'Retry failed sync runs (China time 06:00 by default)',
      schedule: Schedule.cron(props.retryCron),
      targets: [new LambdaFunction(f['sync-retry'], { retryAttempts: 2 })],
    });
    // Every minute; an invocation polls ≤ ~50 s. No retries of a failed or late invocation: the
    // next minute's polls it again, and unacknowledged messages come back by themselves.
    f['push-consumer'].configureAsyncInvoke({
      retryAttempts: 0,
      maxEventAge: Duration.minutes(1),
    });
    new Rule(this, 'PushConsumer', {
      description: 'Push channel: long-poll each pushing org, store, then acknowledge',
      schedule: Schedule.rate(Duration.minutes(1)),
      targets: [new LambdaFunction(f['push-consumer'], { retryAttempts: 0 })],
    });
    new Rule(this, 'CallbackSweep', {
      description: 'Re-queue callbacks whose next attempt is overdue (lost enqueues and hops)',
      schedule: Schedule.rate(Duration.minutes(15)),
      targets: [new LambdaFunction(f['callback-sender'], { retryAttempts: 2 })],
    });

    this.api = new HttpApi(this, 'Api', {
      description: 'Invoice Cloud Bridge HTTP API (bearer tokens checked in the functions)',
    });
    const accessLogs = new LogGroup(this, 'ApiAccessLogs', { retention: RetentionDays.ONE_YEAR });
    const stage = this.api.defaultStage?.node.defaultChild as CfnStage;
    stage.defaultRouteSettings = apiThrottle(this);
    stage.accessLogSettings = {
      destinationArn: accessLogs.logGroupArn,
      format: JSON.stringify({
        requestId: '$context.requestId',
        ip: '$context.identity.sourceIp',
        time: '$context.requestTime',
        route: '$context.routeKey',
        status: '$context.status',
        latency: '$context.responseLatency',
        integrationError: '$context.integrationErrorMessage',
      }),
    };
    Validations.of(this.api).acknowledge({
      id: 'AwsSolutions-APIG4',
      reason:
        'Every route is authenticated in its function (HS256 bearer token, role check, 401/403; tested per route). HTTP API JWT authorizers need a JWKS issuer, which HS256 tokens do not have.',
    });
    const integrations = new Map<FunctionName, HttpLambdaIntegration>();
    for (const key of Object.keys(ROUTES) as RouteKey[]) {
      const [method, path] = key.split(' ') as [keyof typeof HttpMethod, string];
      const fn = ROUTES[key].fn;
      if (!integrations.has(fn))
        integrations.set(fn, new HttpLambdaIntegration(`${fn}-integration`, f[fn]));
      this.api.addRoutes({
        path,
        methods: [HttpMethod[method]],
        integration: integrations.get(fn)!,
      });
    }
  }
}

const SECRET_ACTIONS: Record<SecretAccess, string[]> = {
  read: ['secretsmanager:GetSecretValue'],
  write: ['secretsmanager:PutSecretValue', 'secretsmanager:CreateSecret'],
  readwrite: [
    'secretsmanager:GetSecretValue',
    'secretsmanager:PutSecretValue',
    'secretsmanager:CreateSecret',
  ],
};

/**
 * Runtime secrets as the catalog grants them: per kind, only that kind's prefix under the stack's
 * path (`<stack>/org/*`, `<stack>/system/*`), only the granted actions. No kind, no statement.
 */
const secretStatements = (
  stateful: StatefulStack,
  secretsPrefix: string,
  secrets: FunctionSpec['secrets'],
): PolicyStatement[] =>
  (Object.entries(secrets) as [SecretKind, SecretAccess][]).map(
    ([kind, access]) =>
      new PolicyStatement({
        actions: SECRET_ACTIONS[access],
        resources: [
          Stack.of(stateful).formatArn({
            service: 'secretsmanager',
            resource: 'secret',
            resourceName: `${secretsPrefix}${SECRET_PREFIX[kind]}*`,
            arnFormat: ArnFormat.COLON_RESOURCE_NAME,
          }),
        ],
      }),
  );

const SECRET_ARN_FINDING =
  'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:secretsmanager:<AWS::Region>:<AWS::AccountId>:secret:';

/** cdk-nag findings that stand, each with its reason. */
const acknowledgeFunction = (
  fn: BridgeFunction,
  secretsPrefix: string,
  secrets: FunctionSpec['secrets'],
) => {
  const v = Validations.of(fn.role!);
  v.acknowledge({
    id: 'AwsSolutions-IAM5[Resource::*]',
    reason:
      'X-Ray PutTraceSegments/PutTelemetryRecords support no resource-level permissions (added by active tracing).',
  });
  for (const kind of Object.keys(secrets) as SecretKind[])
    v.acknowledge({
      id: `${SECRET_ARN_FINDING}${secretsPrefix}${SECRET_PREFIX[kind]}*]`,
      reason: `${kind} secrets are created at run time, one per ${kind}; the grant is limited to their prefix.`,
    });
  Validations.of(fn).acknowledge({
    id: 'AwsSolutions-L1',
    reason:
      'nodejs22.x is the runtime the product is built and tested for (SPEC); moving to a newer runtime is a deliberate upgrade.',
  });
};
