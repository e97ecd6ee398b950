import {
  ArnFormat,
  Duration,
  Stack,
  TimeZone,
  Validations,
  type CfnResource,
  type StackProps,
} from 'aws-cdk-lib';
import { CfnStage, HttpApi, HttpMethod } from 'aws-cdk-lib/aws-apigatewayv2';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import {
  ContextAttribute,
  Schedule,
  ScheduleExpression,
  ScheduleTargetInput,
  TimeWindow,
} from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke } from 'aws-cdk-lib/aws-scheduler-targets';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { Construct } from 'constructs';
import {
  FUNCTIONS,
  ORG_SECRET_KEY_ENV,
  DLQ_ENV,
  QUEUE_ENV,
  type QueueKey,
  type FunctionName,
  type FunctionSpec,
  type SecretAccess,
} from '../functions/catalog.js';
import { DOCS_FUNCTION, PUBLIC_ROUTES, ROUTES, type RouteKey } from '../functions/routes.js';
import { ConsoleHosting } from './console.js';
import { SECRET_PREFIX, type SecretKind } from '../shared/ports.js';
import { TABLES, type TableKey } from '../shared/adapters/dynamo/tables.js';
import { tableStatements } from './grants.js';
import { BridgeFunction } from './bridge-function.js';
import { Operations } from './operations.js';
import { dailyAt, type StageConfig } from './stage.js';
import type { StatefulStack } from './stateful-stack.js';

export interface StatelessProps extends StackProps {
  stateful: StatefulStack;
  stage: StageConfig;
}

/**
 * What every scheduled target receives: the shape of an EventBridge scheduled event
 * (`scheduledEventSchema`: `time`; the callback sweep recognises `source: aws.events`), with the
 * schedule's own time, so the handlers need not know which service invoked them.
 */
const scheduledInput = () =>
  ScheduleTargetInput.fromObject({
    version: '0',
    id: ContextAttribute.executionId,
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    time: ContextAttribute.scheduledTime,
    resources: [ContextAttribute.scheduleArn],
    detail: {},
  });

/**
 * Token checks the API functions read (`shared/adapters/http/jwt.ts`), set only when configured
 * by CDK context: `authAudience`, `authJwksUrl` (a URL or `discovery`), `authRolesClaim`,
 * `authOrgClaim`, `authMaxTokenAgeSeconds` (the issuer is the stage's `authIssuer`). Unset, tokens
 * are HS256 with the stack's token secret.
 */
const AUTH_CONTEXT = {
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
 * `apiThrottleRate` / `apiThrottleBurst` say otherwise (security review M2): a flood is refused
 * with 429 by API Gateway before it costs an invocation.
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

/**
 * Stateless part: the functions (least privilege from the catalog), the HTTP API, schedules, queue
 * triggers, and the operations (alarm topic, alarms, dashboard).
 */
export class StatelessStack extends Stack {
  readonly functions = {} as Record<FunctionName, BridgeFunction>;
  readonly api: HttpApi;
  readonly operations: Operations;
  /** The operator console (S3 + CloudFront), issue 17. */
  readonly console: ConsoleHosting;

  constructor(scope: Construct, id: string, props: StatelessProps) {
    super(scope, id, props);
    const { stateful, stage } = props;
    const secretsPrefix = `${stateful.stackName}/`;
    const reserve = String(this.node.tryGetContext('apiReservedConcurrency') ?? 'true') !== 'false';
    for (const [name, spec] of Object.entries(FUNCTIONS) as [FunctionName, FunctionSpec][]) {
      const env: Record<string, string> = {};
      // Only the API functions verify bearer tokens, so only they read the token secret.
      if (spec.trigger === 'api') env.AUTH_SECRET_ARN = stateful.authSecret.secretArn;
      if (spec.trigger === 'api' && stage.authIssuer) env.AUTH_ISSUER = stage.authIssuer;
      if (spec.trigger === 'api') Object.assign(env, authEnv(this));
      if (spec.outbound) env.INVOICE_CLOUD_URL = stage.invoiceCloudUrl;
      // Rate limits toward the cloud (defaults of shared/adapters/cloud/rate-limit.ts unless set).
      if ('rateLimits' in spec.tables && stage.cloudRateLimits)
        env.CLOUD_RATE_LIMITS = JSON.stringify(stage.cloudRateLimits);
      const fn = new BridgeFunction(this, name, {
        environment: env,
        logGroupRetention: stage.logRetention,
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
      for (const q of spec.redrives ?? []) redriveGrant(fn, stateful, q);
      if (spec.trigger === 'api') stateful.authSecret.grantRead(fn);
      for (const st of secretStatements(stateful, secretsPrefix, spec.secrets))
        fn.addToRolePolicy(st);
      if (Object.keys(spec.secrets).length) fn.addEnvironment('SECRETS_PREFIX', secretsPrefix);
      if (spec.secrets.org) {
        // Org secrets are sealed items in the config table: the one key is all they need here.
        stateful.orgSecretKey.grantRead(fn);
        fn.addEnvironment(ORG_SECRET_KEY_ENV, stateful.orgSecretKey.secretArn);
      }
      this.functions[name] = fn;
      acknowledgeFunction(fn, secretsPrefix, spec.secrets);
    }

    const f = this.functions;
    const consumer = (
      queue: keyof StatefulStack['queues'],
      name: FunctionName,
      batch: number,
      maxConcurrency = (FUNCTIONS[name] as FunctionSpec).maxConcurrency,
    ) =>
      f[name].addEventSource(
        new SqsEventSource(stateful.queues[queue], {
          batchSize: batch,
          reportBatchItemFailures: true,
          maxConcurrency,
        }),
      );
    consumer('sync', 'sync-worker', 1, stage.syncWorkers);
    consumer('writeback', 'bill-writeback', 10);
    consumer('callbacks', 'callback-sender', 10);
    this.schedules(stage);

    this.api = new HttpApi(this, 'Api', {
      description: 'Invoice Cloud Bridge HTTP API (bearer tokens checked in the functions)',
    });
    const accessLogs = new LogGroup(this, 'ApiAccessLogs', { retention: stage.logRetention });
    const apiStage = this.api.defaultStage?.node.defaultChild as CfnStage;
    apiStage.defaultRouteSettings = apiThrottle(this);
    apiStage.accessLogSettings = {
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
      reason: `${APIG4_HOW} ${APIG4_WHY}`,
    });
    const integrations = new Map<FunctionName, HttpLambdaIntegration>();
    // Every SPEC route to its function, then the API's own documents (functions/api-docs.ts):
    // public, answered before any token check.
    const routes: [string, FunctionName][] = [
      ...(Object.keys(ROUTES) as RouteKey[]).map((k): [string, FunctionName] => [k, ROUTES[k].fn]),
      ...Object.keys(PUBLIC_ROUTES).map((k): [string, FunctionName] => [k, DOCS_FUNCTION]),
    ];
    for (const [key, fn] of routes) {
      const [method, path] = key.split(' ') as [keyof typeof HttpMethod, string];
      if (!integrations.has(fn))
        integrations.set(fn, new HttpLambdaIntegration(`${fn}-integration`, f[fn]));
      this.api.addRoutes({
        path,
        methods: [HttpMethod[method]],
        integration: integrations.get(fn)!,
      });
    }
    this.console = new ConsoleHosting(this, 'Console', { api: this.api, stage });
    this.operations = new Operations(this, 'Operations', {
      stage,
      stateful,
      functions: f,
      api: this.api,
    });
  }

  /**
   * EventBridge Scheduler in the stage's time zone (China time: 23:30 daily sync, 06:00 retry), the
   * push consumer every minute and the callback sweep every 15 minutes. Invoked asynchronously.
   */
  private schedules(stage: StageConfig) {
    const f = this.functions;
    // One role for the schedules; Scheduler's grant covers each target function and its versions.
    const role = new Role(this, 'SchedulerRole', {
      assumedBy: new ServicePrincipal('scheduler.amazonaws.com'),
      description: 'EventBridge Scheduler: invoke the scheduled functions',
    });
    const acknowledge = (fn: FunctionName) => {
      const logicalId = this.getLogicalId(f[fn].node.defaultChild as CfnResource);
      Validations.of(role).acknowledge({
        id: `AwsSolutions-IAM5[Resource::<${logicalId}.Arn>:*]`,
        reason: `Invoking ${fn} as Scheduler grants it: the function and its versions only.`,
      });
    };
    const timeZone = TimeZone.of(stage.timeZone);
    const daily = (at: StageConfig['schedules']['dailySync']) =>
      ScheduleExpression.cron({ ...dailyAt(at), timeZone });
    // Rates carry the same zone, so every schedule of the stack states one time zone.
    const every = (rate: string) => ScheduleExpression.expression(`rate(${rate})`, timeZone);
    const at = (id: string, description: string, expr: ScheduleExpression, fn: FunctionName) => {
      acknowledge(fn);
      return new Schedule(this, id, {
        description,
        schedule: expr,
        timeWindow: TimeWindow.off(),
        target: new LambdaInvoke(f[fn], {
          role,
          input: scheduledInput(),
          // Push: no retries of a late turn (the next minute polls again); others: 2, within 1 h.
          retryAttempts: fn === 'push-consumer' ? 0 : 2,
          maxEventAge: fn === 'push-consumer' ? Duration.minutes(1) : Duration.hours(1),
        }),
      });
    };
    at(
      'DailySync',
      `Daily incremental invoice sync (${stage.schedules.dailySync} ${stage.timeZone})`,
      daily(stage.schedules.dailySync),
      'daily-sync',
    );
    at(
      'SyncRetry',
      `Retry failed sync runs (${stage.schedules.retry} ${stage.timeZone})`,
      daily(stage.schedules.retry),
      'sync-retry',
    );
    // Every minute; an invocation polls ≤ ~50 s. No retries of a failed or late invocation: the
    // next minute's polls it again, and unacknowledged messages come back by themselves.
    f['push-consumer'].configureAsyncInvoke({
      retryAttempts: 0,
      maxEventAge: Duration.minutes(1),
    });
    at(
      'PushConsumer',
      'Push channel: long-poll each pushing org, store, then acknowledge',
      every('1 minute'),
      'push-consumer',
    );
    at(
      'CallbackSweep',
      'Re-queue callbacks whose next attempt is overdue (lost enqueues and hops)',
      every('15 minutes'),
      'callback-sender',
    );
    const m = stage.orderFetchMinutes;
    at(
      'OrderFetch',
      `Pull new orders from every system with an orderFetchUrl (every ${m} min)`,
      every(m === 1 ? '1 minute' : `${m} minutes`),
      'order-fetch',
    );
  }
}

/**
 * A DLQ redrive (`StartMessageMoveTask` from the DLQ to its queue, issue 16): the DLQ's URL and
 * ARN and the queue's ARN in the environment; on the DLQ the move task itself and what SQS does on
 * the caller's behalf (receive, delete, read attributes), on the queue only `SendMessage`.
 */
const redriveGrant = (fn: BridgeFunction, stateful: StatefulStack, q: QueueKey) => {
  const dlq = stateful.deadLetters[q];
  const queue = stateful.queues[q];
  fn.addEnvironment(DLQ_ENV[q].url, dlq.queueUrl);
  fn.addEnvironment(DLQ_ENV[q].arn, dlq.queueArn);
  fn.addEnvironment(DLQ_ENV[q].sourceArn, queue.queueArn);
  fn.addToRolePolicy(
    new PolicyStatement({
      actions: [
        'sqs:StartMessageMoveTask',
        'sqs:ReceiveMessage',
        'sqs:DeleteMessage',
        'sqs:GetQueueAttributes',
      ],
      resources: [dlq.queueArn],
    }),
  );
  fn.addToRolePolicy(
    new PolicyStatement({ actions: ['sqs:SendMessage'], resources: [queue.queueArn] }),
  );
};

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
 * path (`<stack>/system/*`), only the granted actions. No kind, no statement. Org secrets are not
 * Secrets Manager secrets: sealed config items, whose one key each org-kind function may read.
 */
const secretStatements = (
  stateful: StatefulStack,
  secretsPrefix: string,
  secrets: FunctionSpec['secrets'],
): PolicyStatement[] =>
  (Object.entries(secrets) as [SecretKind, SecretAccess][])
    .filter(([kind]) => kind !== 'org')
    .map(
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

const SECRET_ARN = 'arn:<AWS::Partition>:secretsmanager:<AWS::Region>:<AWS::AccountId>:secret:';
const SECRET_ARN_FINDING = `AwsSolutions-IAM5[Resource::${SECRET_ARN}`;
const PREFIX_ONLY = 'the grant is limited to their prefix.';
const XRAY = 'X-Ray PutTraceSegments/PutTelemetryRecords support no resource-level permissions';
const RUNTIME = 'nodejs22.x is the runtime the product is built and tested for (SPEC);';
const APIG4_HOW =
  'Every route is authenticated in its function (HS256 bearer token, role check, 401/403;';
const APIG4_WHY =
  'tested per route). HTTP API JWT authorizers need a JWKS issuer, which HS256 tokens do not have.';

/** cdk-nag findings that stand, each with its reason. */
const acknowledgeFunction = (
  fn: BridgeFunction,
  secretsPrefix: string,
  secrets: FunctionSpec['secrets'],
) => {
  const v = Validations.of(fn.role!);
  v.acknowledge({
    id: 'AwsSolutions-IAM5[Resource::*]',
    reason: `${XRAY} (added by active tracing).`,
  });
  for (const kind of (Object.keys(secrets) as SecretKind[]).filter((k) => k !== 'org'))
    v.acknowledge({
      id: `${SECRET_ARN_FINDING}${secretsPrefix}${SECRET_PREFIX[kind]}*]`,
      reason: `${kind} secrets are created at run time, one per ${kind}; ${PREFIX_ONLY}`,
    });
  Validations.of(fn).acknowledge({
    id: 'AwsSolutions-L1',
    reason: `${RUNTIME} moving to a newer runtime is a deliberate upgrade.`,
  });
};
