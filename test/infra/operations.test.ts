/** Issue 16: alarms into one topic, a dashboard of the same figures, stages (SPEC §5). */
import { App, Stack, type CfnResource } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { buildApp } from '#infra/build.js';
import { METRICS, METRICS_NAMESPACE, SERVICE } from '#infra/metrics.js';
import { API_5XX_PERCENT, QUEUE_AGE_LIMIT_SECONDS, TABLE_THROTTLES } from '#infra/operations.js';
import { STAGES } from '#infra/stage.js';
import { FUNCTIONS, RESERVED_CONCURRENCY_TOTAL } from '#functions/catalog.js';
import { TABLES } from '#shared/adapters/dynamo/tables.js';

const build = (context: Record<string, unknown> = {}) =>
  buildApp(new App({ context: { 'aws:cdk:bundling-stacks': [], ...context } }));
const { stateful, stateless } = build();
const app = Template.fromStack(stateless);
type Alarm = { Properties: Record<string, any> };
const alarms = Object.entries(app.findResources('AWS::CloudWatch::Alarm')) as [string, Alarm][];
const topicId = Object.keys(app.findResources('AWS::SNS::Topic'))[0]!;
const alarm = (idPrefix: string) => {
  const found = alarms.filter(([id]) => id.startsWith(`Operations${idPrefix.replace(/-/g, '')}`));
  expect(found).toHaveLength(1);
  return found[0]![1].Properties;
};
const ref = (stack: Stack, c: { node: { defaultChild?: unknown } }) =>
  stack.getLogicalId(c.node.defaultChild as CfnResource);
const dims = (p: Record<string, any>) =>
  Object.fromEntries(
    (p.Dimensions as { Name: string; Value: unknown }[]).map((d) => [d.Name, d.Value]),
  );

describe('operations: alarms', () => {
  it('there is one alarm topic and every alarm notifies it on alarm and on recovery', () => {
    expect(Object.keys(app.findResources('AWS::SNS::Topic'))).toHaveLength(1);
    expect(alarms.length).toBeGreaterThan(0);
    for (const [, a] of alarms) {
      expect(a.Properties.AlarmActions).toEqual([{ Ref: topicId }]);
      expect(a.Properties.OKActions).toEqual([{ Ref: topicId }]);
      expect(a.Properties.TreatMissingData).toBe('notBreaching');
    }
    app.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
  });

  it.each([
    ['NeedsManualRuns', 'SyncRuns', 'needs_manual', 1, 'GreaterThanOrEqualToThreshold', 300],
    [
      'FailedRuns',
      'SyncRuns',
      'failed',
      STAGES.dev.failedRunsPerHour,
      'GreaterThanThreshold',
      3600,
    ],
    ['CallbacksGivenUp', 'Callbacks', 'given_up', 1, 'GreaterThanOrEqualToThreshold', 300],
    ['WriteBackFailures', 'WriteBacks', 'failed', 1, 'GreaterThanOrEqualToThreshold', 300],
  ] as const)(
    '%s: %s{Outcome=%s} sum, threshold %d',
    (id, metric, outcome, threshold, op, period) => {
      const p = alarm(id);
      expect(p).toMatchObject({
        Namespace: METRICS_NAMESPACE,
        MetricName: metric,
        Statistic: 'Sum',
        Period: period,
        Threshold: threshold,
        ComparisonOperator: op,
        EvaluationPeriods: 1,
      });
      expect(dims(p)).toEqual({ service: SERVICE, Outcome: outcome });
      // The code side emits exactly what the alarm reads (metrics.ts).
      expect(METRICS[metric].dimensions.Outcome as readonly string[]).toContain(outcome);
    },
  );

  it('failed-runs threshold comes from the stage', () => {
    const t = Template.fromStack(build({ stage: 'prod' }).stateless);
    t.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'SyncRuns',
      Dimensions: Match.arrayWith([{ Name: 'Outcome', Value: 'failed' }]),
      Threshold: STAGES.prod.failedRunsPerHour,
    });
  });

  it.each(['sync', 'writeback', 'callbacks'] as const)(
    '%s queue: dead letters ≥ 1, oldest message age',
    (key) => {
      const dlq = alarm(`${key}-dead-letters`);
      expect(dlq).toMatchObject({
        Namespace: 'AWS/SQS',
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      });
      const dlqName = ref(stateful, stateful.deadLetters[key]);
      expect(JSON.stringify(dims(dlq))).toContain(dlqName);
      const age = alarm(`${key}-oldest-message`);
      expect(age).toMatchObject({
        Namespace: 'AWS/SQS',
        MetricName: 'ApproximateAgeOfOldestMessage',
        Statistic: 'Maximum',
        Threshold: QUEUE_AGE_LIMIT_SECONDS[key],
        ComparisonOperator: 'GreaterThanThreshold',
      });
      expect(JSON.stringify(dims(age))).toContain(ref(stateful, stateful.queues[key]));
    },
  );

  it('API 5xx rate: 5xx ÷ requests of the HTTP API, above the threshold', () => {
    const p = alarm('Api5xxRate');
    expect(p).toMatchObject({
      Threshold: API_5XX_PERCENT,
      ComparisonOperator: 'GreaterThanThreshold',
    });
    const byId = Object.fromEntries(
      (p.Metrics as { Id: string; Expression?: string; MetricStat?: any }[]).map((m) => [m.Id, m]),
    );
    expect(Object.values(byId).find((m) => m.Expression)?.Expression).toMatch(
      /100 \* errors \/ requests/,
    );
    expect(byId.errors!.MetricStat.Metric).toMatchObject({
      Namespace: 'AWS/ApiGateway',
      MetricName: '5xx',
    });
    expect(byId.requests!.MetricStat.Metric).toMatchObject({ MetricName: 'Count' });
    expect(byId.errors!.MetricStat.Metric.Dimensions).toEqual([
      { Name: 'ApiId', Value: { Ref: ref(stateless, stateless.api) } },
    ]);
  });

  it.each(Object.keys(FUNCTIONS))('%s: errors ≥ 1 and throttles ≥ 1 in 5 minutes', (name) => {
    const fn = { Ref: ref(stateless, stateless.functions[name as keyof typeof FUNCTIONS]) };
    for (const [suffix, metric] of [
      ['errors', 'Errors'],
      ['throttles', 'Throttles'],
    ]) {
      const p = alarm(`${name}-${suffix}`);
      expect(p).toMatchObject({
        Namespace: 'AWS/Lambda',
        MetricName: metric,
        Statistic: 'Sum',
        Period: 300,
        Threshold: 1,
      });
      expect(p.Dimensions).toEqual([{ Name: 'FunctionName', Value: fn }]);
    }
  });

  it.each(Object.keys(TABLES))('%s table: read + write throttle events', (key) => {
    const p = alarm(`${key}-table-throttles`);
    expect(p.Threshold).toBe(TABLE_THROTTLES);
    const stats = (p.Metrics as { MetricStat?: any }[]).filter((m) => m.MetricStat);
    expect(stats.map((m) => m.MetricStat.Metric.MetricName).sort()).toEqual([
      'ReadThrottleEvents',
      'WriteThrottleEvents',
    ]);
    for (const m of stats) expect(m.MetricStat.Metric.Namespace).toBe('AWS/DynamoDB');
  });

  it('nothing else alarms without a test above', () => {
    const n = Object.keys(FUNCTIONS).length * 2 + Object.keys(TABLES).length + 3 * 2 + 1 + 4;
    expect(alarms).toHaveLength(n);
  });
});

describe('operations: topic subscription, dashboard, stages', () => {
  it('the alarm email subscribes only when configured', () => {
    expect(app.findResources('AWS::SNS::Subscription')).toEqual({});
    const t = Template.fromStack(build({ alarmEmail: 'oncall@example.com' }).stateless);
    t.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'oncall@example.com',
    });
  });

  it('one dashboard showing every alarm and the product metrics', () => {
    const dashboards = Object.values(app.findResources('AWS::CloudWatch::Dashboard'));
    expect(dashboards).toHaveLength(1);
    const body = JSON.stringify(dashboards[0]!.Properties.DashboardBody);
    for (const name of Object.keys(METRICS)) expect(body).toContain(name);
    for (const [id] of alarms) expect(body).toContain(id);
  });

  it('prod: data stack termination-protected, tables retained; dev: neither', () => {
    const prod = build({ stage: 'prod' });
    expect(prod.stateful.terminationProtection).toBe(true);
    expect(stateful.terminationProtection).toBe(false);
    const devTables = Object.values(
      Template.fromStack(stateful).findResources('AWS::DynamoDB::Table'),
    );
    for (const t of devTables) expect(t.DeletionPolicy).toBe('Delete');
  });

  it('every resource is tagged with project and stage', () => {
    const t = Template.fromStack(build({ stage: 'prod' }).stateful);
    t.hasResourceProperties('AWS::DynamoDB::Table', {
      Tags: Match.arrayWith([
        { Key: 'Project', Value: 'InvoiceCloudBridge' },
        { Key: 'Stage', Value: 'prod' },
      ]),
    });
  });

  it('an unknown stage is refused', () => {
    expect(() => build({ stage: 'staging' })).toThrow(/context stage must be one of/);
  });

  it('sync workers: the stage sets the sync queue consumer cap; context raises it, bounded', () => {
    const syncCap = (context: Record<string, unknown>) => {
      const t = Template.fromStack(build(context).stateless);
      const sources = t.findResources('AWS::Lambda::EventSourceMapping');
      const caps = Object.values(sources).map(
        (r) => (r as { Properties: { ScalingConfig: { MaximumConcurrency: number } } }).Properties,
      );
      return Math.max(...caps.map((p) => p.ScalingConfig.MaximumConcurrency));
    };
    expect(syncCap({})).toBe(Math.max(STAGES.dev.syncWorkers, 10));
    expect(syncCap({ stage: 'prod' })).toBe(STAGES.prod.syncWorkers);
    expect(syncCap({ stage: 'prod', syncWorkers: '600' })).toBe(600);
    expect(() => build({ syncWorkers: '1001' })).toThrow(/syncWorkers must be a whole number/);
  });

  it('flow control: API reserved + queue consumers at full scale stay within 1,000 − 100', () => {
    const consumers = Object.values(FUNCTIONS).reduce(
      (n, f) => n + ('maxConcurrency' in f ? f.maxConcurrency : 0),
      0,
    );
    expect(RESERVED_CONCURRENCY_TOTAL + consumers).toBeLessThanOrEqual(900);
  });
});
