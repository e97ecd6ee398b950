import { readFileSync } from 'node:fs';
import { App, type CfnResource } from 'aws-cdk-lib';
import { STAGES } from '#infra/stage.js';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { buildApp } from '#infra/build.js';
import { FUNCTIONS, RESERVED_CONCURRENCY_TOTAL } from '#functions/catalog.js';
import { API_THROTTLE_DEFAULTS } from '#infra/stateless-stack.js';
import { ROUTES } from '#functions/routes.js';
import { PUBLIC_ROUTES } from '#functions/routes.js';
import { TABLES } from '#shared/adapters/dynamo/tables.js';
import { scheduledEventSchema } from '#shared/domain/schemas/events.js';
import { FETCH_LEASE_MS } from '#shared/use-cases/orders/fetch.js';

// Bundling skipped here (the synth in `npm test`'s build step bundles for real).
const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
const { stateful, stateless } = buildApp(app);
const data = Template.fromStack(stateful);
const fns = Template.fromStack(stateless);
const resources = (t: Template, type: string) =>
  Object.values(t.findResources(type)) as { Properties: Record<string, any> }[];
const prod = buildApp(new App({ context: { 'aws:cdk:bundling-stacks': [], stage: 'prod' } }));

describe('stateful stack', () => {
  it('every table: keys and indexes as defined, PITR, encryption, retained in prod', () => {
    const tables = Template.fromStack(prod.stateful).findResources('AWS::DynamoDB::Table');
    expect(Object.keys(tables)).toHaveLength(Object.keys(TABLES).length);
    for (const t of Object.values(tables) as { Properties: any; DeletionPolicy: string }[]) {
      expect(t.Properties.PointInTimeRecoverySpecification).toEqual({
        PointInTimeRecoveryEnabled: true,
      });
      expect(t.Properties.SSESpecification).toEqual({ SSEEnabled: true });
      expect(t.DeletionPolicy).toBe('Retain');
      expect(t.Properties.DeletionProtectionEnabled).toBe(true);
      expect(t.Properties.TableName).toBeUndefined();
    }
    data.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      GlobalSecondaryIndexes: Match.arrayWith([Match.objectLike({ IndexName: 'gsi3' })]),
    });
  });

  it('every work queue has a DLQ, bounded receives, visibility ≥ 6 × its consumer timeout', () => {
    const queues = resources(data, 'AWS::SQS::Queue').filter((q) => q.Properties.RedrivePolicy);
    expect(queues).toHaveLength(3);
    const timeouts = [
      FUNCTIONS['sync-worker'].timeout,
      FUNCTIONS['bill-writeback'].timeout,
      FUNCTIONS['callback-sender'].timeout,
    ];
    for (const q of queues) {
      expect(q.Properties.RedrivePolicy.maxReceiveCount).toBeLessThanOrEqual(8);
      expect(q.Properties.SqsManagedSseEnabled).toBe(true);
    }
    expect(queues.map((q) => q.Properties.VisibilityTimeout).sort((a, b) => a - b)).toEqual(
      timeouts.map((t) => 6 * t).sort((a, b) => a - b),
    );
    expect(queues.some((q) => q.Properties.FifoQueue === true)).toBe(true);
  });
});

describe('stateless stack', () => {
  it('functions: Node.js 22 on ARM64, traced, with the catalog timeouts', () => {
    const lambdas = resources(fns, 'AWS::Lambda::Function').filter((f) =>
      f.Properties.Runtime?.startsWith('nodejs'),
    );
    expect(lambdas.length).toBeGreaterThanOrEqual(Object.keys(FUNCTIONS).length);
    const ours = lambdas.filter(
      (f) => f.Properties.Environment?.Variables?.POWERTOOLS_SERVICE_NAME,
    );
    expect(ours).toHaveLength(Object.keys(FUNCTIONS).length);
    for (const f of ours) {
      expect(f.Properties).toMatchObject({
        Runtime: 'nodejs22.x',
        Architectures: ['arm64'],
        TracingConfig: { Mode: 'Active' },
      });
      expect(f.Properties.FunctionName).toBeUndefined();
    }
  });

  it('queue triggers report batch item failures and start at most the catalog concurrency', () => {
    const sources = resources(fns, 'AWS::Lambda::EventSourceMapping');
    expect(sources).toHaveLength(3);
    for (const s of sources)
      expect(s.Properties.FunctionResponseTypes).toEqual(['ReportBatchItemFailures']);
    const consumers = ['sync-worker', 'bill-writeback', 'callback-sender'] as const;
    for (const name of consumers) {
      const fn = stateless.getLogicalId(stateless.functions[name].node.defaultChild as CfnResource);
      fns.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
        FunctionName: { Ref: fn },
        ScalingConfig: { MaximumConcurrency: FUNCTIONS[name].maxConcurrency },
      });
    }
    expect(consumers.map((n) => FUNCTIONS[n].maxConcurrency)).toEqual([5, 5, 10]);
  });

  it('schedules: EventBridge Scheduler in Asia/Shanghai, daily sync 23:30, retry 06:00', () => {
    expect(resources(fns, 'AWS::Events::Rule')).toEqual([]);
    const schedules = resources(fns, 'AWS::Scheduler::Schedule').map((r) => [
      r.Properties.ScheduleExpression,
      r.Properties.ScheduleExpressionTimezone,
    ]);
    expect(schedules.sort()).toEqual([
      ['cron(0 6 * * ? *)', 'Asia/Shanghai'],
      ['cron(30 23 * * ? *)', 'Asia/Shanghai'],
      ['rate(1 minute)', 'Asia/Shanghai'],
      ['rate(15 minutes)', 'Asia/Shanghai'],
      [`rate(${STAGES.dev.orderFetchMinutes} minutes)`, 'Asia/Shanghai'],
    ]);
    // The times come from the stage config; the old UTC context keys are gone.
    const cdkJson = JSON.parse(readFileSync('cdk.json', 'utf8')) as { context: object };
    expect(Object.keys(cdkJson.context).filter((k) => /Utc$/.test(k))).toEqual([]);
    expect(STAGES.prod.schedules).toEqual({ dailySync: '23:30', retry: '06:00' });
  });

  it('schedules pass a scheduled-event input the handlers parse (time, source aws.events)', () => {
    for (const r of resources(fns, 'AWS::Scheduler::Schedule')) {
      const input = JSON.parse(r.Properties.Target.Input as string);
      expect(input).toMatchObject({
        source: 'aws.events',
        'detail-type': 'Scheduled Event',
        time: '<aws.scheduler.scheduled-time>',
      });
      // The handlers' schema accepts the value Scheduler substitutes.
      const real = { ...input, time: '2024-07-22T15:30:00Z' };
      expect(scheduledEventSchema.safeParse(real).success).toBe(true);
    }
  });

  it('order fetch: every 15 minutes (the stage interval), shorter than its lease', () => {
    const [id] = Object.entries(fns.findResources('AWS::Lambda::Function')).find(([, f]) =>
      String((f as any).Properties.Description).startsWith('Pulls new orders'),
    )!;
    expect(STAGES.dev.orderFetchMinutes).toBe(15);
    fns.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'rate(15 minutes)',
      Target: Match.objectLike({ Arn: { 'Fn::GetAtt': [id, 'Arn'] } }),
    });
    expect(FUNCTIONS['order-fetch'].timeout * 1000).toBeLessThan(FETCH_LEASE_MS);
  });

  it('push consumer: every minute, no retries of a late turn, 60 s, its grants only', () => {
    const [id] = Object.entries(fns.findResources('AWS::Lambda::Function')).find(([, f]) =>
      String((f as any).Properties.Description).startsWith('Push channel'),
    )!;
    const fn = fns.findResources('AWS::Lambda::Function')[id]!.Properties;
    expect(fn).toMatchObject({ Timeout: FUNCTIONS['push-consumer'].timeout, MemorySize: 512 });
    expect(fn.Timeout).toBeLessThanOrEqual(60);
    fns.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'rate(1 minute)',
      Target: Match.objectLike({
        Arn: { 'Fn::GetAtt': [id, 'Arn'] },
        RetryPolicy: { MaximumRetryAttempts: 0, MaximumEventAgeInSeconds: 60 },
      }),
    });
    fns.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: id },
      MaximumRetryAttempts: 0,
      MaximumEventAgeInSeconds: 60,
    });
    // Grants: the config table (markers, counts), the pool and folders read-write; secrets
    // read-only.
    const role = fn.Role['Fn::GetAtt'][0];
    const statements = resources(fns, 'AWS::IAM::Policy')
      .filter((p) => JSON.stringify(p.Properties.Roles).includes(role))
      .flatMap((p) => p.Properties.PolicyDocument.Statement as { Action: string | string[] }[]);
    const actions = statements.flatMap((s) => [s.Action].flat());
    expect(actions.filter((a) => a === 'dynamodb:PutItem')).toHaveLength(
      Object.values(FUNCTIONS['push-consumer'].tables).filter((a) => a === 'rw').length,
    );
    expect(actions).toContain('secretsmanager:GetSecretValue');
    expect(actions).not.toContain('secretsmanager:PutSecretValue');
    expect(actions).not.toContain('dynamodb:Scan');
    expect(fn.Environment.Variables).toHaveProperty('CONFIG_TABLE');
    expect(fn.Environment.Variables).toHaveProperty('INVOICE_CLOUD_URL');
    expect(fn.Environment.Variables).not.toHaveProperty('SYNC_QUEUE_URL');
    expect(fn.Environment.Variables).not.toHaveProperty('BILL_LOGS_TABLE');
  });

  it('the config table expires push-message markers (TTL on expiresAt)', () => {
    const tables = data.findResources('AWS::DynamoDB::Table');
    const config = Object.entries(tables).find(([id]) => id.startsWith(TABLES.config.id))!;
    expect(config[1].Properties.TimeToLiveSpecification).toEqual({
      AttributeName: 'expiresAt',
      Enabled: true,
    });
  });

  it('the HTTP API has every SPEC route', () => {
    const routes = resources(fns, 'AWS::ApiGatewayV2::Route')
      .map((r) => r.Properties.RouteKey)
      .sort();
    // Plus the public documents (functions/api-docs.ts), answered before any token check.
    expect(routes).toEqual([...Object.keys(ROUTES), ...Object.keys(PUBLIC_ROUTES)].sort());
  });

  it('the API stage throttles every route (rate and burst from context, sane defaults)', () => {
    const [stage] = resources(fns, 'AWS::ApiGatewayV2::Stage');
    expect(stage?.Properties.DefaultRouteSettings).toEqual({
      ThrottlingRateLimit: API_THROTTLE_DEFAULTS.rate,
      ThrottlingBurstLimit: API_THROTTLE_DEFAULTS.burst,
    });
    const custom = new App({
      context: { 'aws:cdk:bundling-stacks': [], apiThrottleRate: '5', apiThrottleBurst: '7' },
    });
    const stage2 = resources(
      Template.fromStack(buildApp(custom).stateless),
      'AWS::ApiGatewayV2::Stage',
    )[0];
    expect(stage2?.Properties.DefaultRouteSettings).toEqual({
      ThrottlingRateLimit: 5,
      ThrottlingBurstLimit: 7,
    });
  });

  it('API functions reserve modest concurrency; ≥ 100 of 1,000 stay unreserved', () => {
    const reserved = resources(fns, 'AWS::Lambda::Function')
      .filter((f) => f.Properties.Environment?.Variables?.POWERTOOLS_SERVICE_NAME)
      .map((f) => f.Properties.ReservedConcurrentExecutions as number | undefined);
    const api = Object.values(FUNCTIONS).filter((f) => f.trigger === 'api');
    expect(reserved.filter((r) => r !== undefined)).toHaveLength(api.length);
    const total = reserved.reduce<number>((n, r) => n + (r ?? 0), 0);
    expect(total).toBe(RESERVED_CONCURRENCY_TOTAL);
    expect(1000 - total).toBeGreaterThanOrEqual(100);
    const off = new App({
      context: { 'aws:cdk:bundling-stacks': [], apiReservedConcurrency: 'false' },
    });
    const none = resources(Template.fromStack(buildApp(off).stateless), 'AWS::Lambda::Function');
    expect(none.some((f) => f.Properties.ReservedConcurrentExecutions !== undefined)).toBe(false);
  });

  it('least privilege: no wildcard actions, catalog table grants, no secrets in env', () => {
    // The console's deployment role is CDK's BucketDeployment grant (test/infra/console.test.ts).
    const policies = resources(fns, 'AWS::IAM::Policy').filter(
      (p) => !JSON.stringify(p.Properties.Roles).includes('ConsoleDeployRole'),
    );
    const statements = policies.flatMap(
      (p) =>
        p.Properties.PolicyDocument.Statement as { Action: string | string[]; Resource: unknown }[],
    );
    for (const s of statements) for (const a of [s.Action].flat()) expect(a).not.toMatch(/\*$/);
    const writeActions = statements.filter((s) => [s.Action].flat().includes('dynamodb:PutItem'));
    const rwCount = Object.values(FUNCTIONS).reduce(
      (n, f) => n + Object.values(f.tables).filter((a) => a === 'rw').length,
      0,
    );
    expect(writeActions).toHaveLength(rwCount);
    const env = JSON.stringify(
      resources(fns, 'AWS::Lambda::Function').map((f) => f.Properties.Environment),
    );
    expect(env).not.toMatch(/secret-|whsec_|clientSecret/i);
  });
});
