import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type { HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import {
  Alarm,
  AlarmStatusWidget,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  MathExpression,
  Metric,
  TreatMissingData,
  type IMetric,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { ServicePrincipal, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import type { FunctionName, QueueKey } from '../functions/catalog.js';
import type { TableKey } from '../shared/adapters/dynamo/tables.js';
import { METRICS, METRICS_NAMESPACE, SERVICE, type MetricName } from './metrics.js';
import type { StageConfig } from './stage.js';
import type { StatefulStack } from './stateful-stack.js';

const FIVE_MINUTES = Duration.minutes(5);

/**
 * Oldest message age (seconds) above which a queue's consumer is taken as stuck. Each is above the
 * longest wait the design allows: sync — runs queue behind 5 workers of up to 15 minutes each
 * after the daily fan-out; write-back — 5 receives × 6-minute visibility; callbacks — 8 receives
 * × 6 minutes plus a 15-minute hop delay.
 */
export const QUEUE_AGE_LIMIT_SECONDS: Record<QueueKey, number> = {
  sync: 3 * 3600,
  writeback: 45 * 60,
  callbacks: 75 * 60,
};
/** API 5xx share (percent) over 5 minutes, counted only from this many requests on. */
export const API_5XX_PERCENT = 5;
const API_5XX_MIN_REQUESTS = 20;
/** Read + write throttle events per table in 5 minutes (the SDK retries the first few). */
export const TABLE_THROTTLES = 10;

export interface OperationsProps {
  stage: StageConfig;
  stateful: StatefulStack;
  functions: Record<FunctionName, IFunction>;
  api: HttpApi;
}

interface AlarmSpec {
  id: string;
  description: string;
  metric: IMetric;
  threshold: number;
  /** Default ≥ threshold. */
  above?: boolean;
}

/**
 * Operations (SPEC §5): one SNS topic every alarm notifies (alarm and recovery; an email
 * subscription when the stage names one) and a dashboard of the same figures. Plain CloudWatch
 * constructs: the alarm objects feed the dashboard's status widget directly.
 */
export class Operations extends Construct {
  readonly topic: Topic;
  readonly alarms: Alarm[] = [];
  readonly dashboard: Dashboard;

  constructor(scope: Construct, id: string, props: OperationsProps) {
    super(scope, id);
    const { stage, stateful, functions, api } = props;
    // CloudWatch must be able to use the topic's key (AWS managed SNS keys do not allow it).
    const key = new Key(this, 'AlarmTopicKey', {
      description: 'Invoice Cloud Bridge alarm topic',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    key.addToResourcePolicy(
      new PolicyStatement({
        principals: [new ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
      }),
    );
    this.topic = new Topic(this, 'AlarmTopic', {
      displayName: `Invoice Cloud Bridge alarms (${stage.name})`,
      masterKey: key,
      enforceSSL: true,
    });
    if (stage.alarmEmail) this.topic.addSubscription(new EmailSubscription(stage.alarmEmail));

    const specs: AlarmSpec[] = [
      ...businessAlarms(stage),
      ...queueAlarms(stateful),
      apiAlarm(api),
      ...functionAlarms(functions),
      ...tableAlarms(stateful),
    ];
    const action = new SnsAction(this.topic);
    for (const s of specs) {
      const alarm = new Alarm(this, s.id, {
        alarmDescription: s.description,
        metric: s.metric,
        threshold: s.threshold,
        evaluationPeriods: 1,
        comparisonOperator: s.above
          ? ComparisonOperator.GREATER_THAN_THRESHOLD
          : ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });
      alarm.addAlarmAction(action);
      alarm.addOkAction(action);
      this.alarms.push(alarm);
    }
    this.dashboard = new Dashboard(this, 'Dashboard', {
      defaultInterval: Duration.days(1),
      widgets: dashboardRows(this.alarms, props),
    });
  }
}

/** A metric of the product's own table (`metrics.ts`), with the `service` dimension. */
const productMetric = (
  name: MetricName,
  dimensions: Record<string, string> = {},
  o: { statistic?: string; period?: Duration } = {},
) =>
  new Metric({
    namespace: METRICS_NAMESPACE,
    metricName: name,
    dimensionsMap: { service: SERVICE, ...dimensions },
    statistic: o.statistic ?? 'Sum',
    period: o.period ?? FIVE_MINUTES,
  });

const businessAlarms = (stage: StageConfig): AlarmSpec[] => [
  {
    id: 'NeedsManualRuns',
    description: 'A sync run needs manual action (three retries failed). See the run log.',
    metric: productMetric('SyncRuns', { Outcome: 'needs_manual' }),
    threshold: 1,
  },
  {
    id: 'FailedRuns',
    description: `More than ${stage.failedRunsPerHour} sync runs failed within an hour.`,
    metric: productMetric('SyncRuns', { Outcome: 'failed' }, { period: Duration.hours(1) }),
    threshold: stage.failedRunsPerHour,
    above: true,
  },
  {
    id: 'CallbacksGivenUp',
    description: 'A callback used every attempt and was given up. See the interaction logs.',
    metric: productMetric('Callbacks', { Outcome: 'given_up' }),
    threshold: 1,
  },
  {
    id: 'WriteBackFailures',
    description: 'A bill write-back event failed. See the bill logs and GET /bills/dead-letters.',
    metric: productMetric('WriteBacks', { Outcome: 'failed' }),
    threshold: 1,
  },
];

/** The stateful stack's queues, in the order it creates them. */
const queueKeys = (stateful: StatefulStack) => Object.keys(stateful.queues) as QueueKey[];

const queueAlarms = (stateful: StatefulStack): AlarmSpec[] =>
  queueKeys(stateful).flatMap((key) => [
    {
      id: `${key}-dead-letters`,
      description: `Messages in the ${key} dead-letter queue: events that could not be processed.`,
      metric: stateful.deadLetters[key].metricApproximateNumberOfMessagesVisible({
        period: FIVE_MINUTES,
        statistic: 'Maximum',
      }),
      threshold: 1,
    },
    {
      id: `${key}-oldest-message`,
      description: `The ${key} queue's oldest message waits too long: its consumer is stuck.`,
      metric: stateful.queues[key].metricApproximateAgeOfOldestMessage({
        period: FIVE_MINUTES,
        statistic: 'Maximum',
      }),
      threshold: QUEUE_AGE_LIMIT_SECONDS[key],
      above: true,
    },
  ]);

const api5xxRate = (api: HttpApi) =>
  new MathExpression({
    label: 'API 5xx %',
    expression: `IF(requests >= ${API_5XX_MIN_REQUESTS}, 100 * errors / requests, 0)`,
    usingMetrics: {
      errors: api.metricServerError({ period: FIVE_MINUTES, statistic: 'Sum' }),
      requests: api.metricCount({ period: FIVE_MINUTES, statistic: 'Sum' }),
    },
    period: FIVE_MINUTES,
  });

const apiAlarm = (api: HttpApi): AlarmSpec => ({
  id: 'Api5xxRate',
  description: `Over ${API_5XX_PERCENT}% of API requests answered 5xx in 5 minutes.`,
  metric: api5xxRate(api),
  threshold: API_5XX_PERCENT,
  above: true,
});

const functionAlarms = (functions: Record<FunctionName, IFunction>): AlarmSpec[] =>
  (Object.entries(functions) as [FunctionName, IFunction][]).flatMap(([name, fn]) => [
    {
      id: `${name}-errors`,
      description: `${name} failed with an unhandled error (see its log group).`,
      metric: fn.metricErrors({ period: FIVE_MINUTES, statistic: 'Sum' }),
      threshold: 1,
    },
    {
      id: `${name}-throttles`,
      description: `${name} was throttled (reserved or account concurrency exhausted).`,
      metric: fn.metricThrottles({ period: FIVE_MINUTES, statistic: 'Sum' }),
      threshold: 1,
    },
  ]);

const tableThrottles = (stateful: StatefulStack, key: TableKey) => {
  const table = stateful.tables[key];
  const m = (metricName: string) =>
    new Metric({
      namespace: 'AWS/DynamoDB',
      metricName,
      dimensionsMap: { TableName: table.tableName },
      statistic: 'Sum',
      period: FIVE_MINUTES,
    });
  return new MathExpression({
    label: `${key} throttles`,
    // Ids unique per table: the dashboard draws every table's expression in one graph.
    expression: `r_${key} + w_${key}`,
    usingMetrics: { [`r_${key}`]: m('ReadThrottleEvents'), [`w_${key}`]: m('WriteThrottleEvents') },
    period: FIVE_MINUTES,
  });
};

const tableAlarms = (stateful: StatefulStack): AlarmSpec[] =>
  (Object.keys(stateful.tables) as TableKey[]).map((key) => ({
    id: `${key}-table-throttles`,
    description: `DynamoDB throttled the ${key} table (reads + writes).`,
    metric: tableThrottles(stateful, key),
    threshold: TABLE_THROTTLES,
  }));

/** By-value series of one product metric: one line per value of its dimension. */
const byValue = (name: MetricName, statistic = 'Sum') => {
  const dims = METRICS[name].dimensions as Record<string, readonly string[]>;
  const [dim, values] = Object.entries(dims)[0]!;
  return values.map((v) => productMetric(name, { [dim]: v }, { statistic }).with({ label: v }));
};

const graph = (title: string, left: IMetric[], width = 8) =>
  new GraphWidget({ title, left, width, height: 6 });

const dashboardRows = (alarms: Alarm[], { stateful, functions, api }: OperationsProps) => {
  const fns = Object.entries(functions) as [FunctionName, IFunction][];
  const perFn = (f: (fn: IFunction) => IMetric) =>
    fns.map(([name, fn]) => (f(fn) as Metric).with({ label: name }));
  const perQueue = (f: (key: QueueKey) => IMetric) =>
    queueKeys(stateful).map((key) => (f(key) as Metric).with({ label: key }));
  return [
    [new AlarmStatusWidget({ title: 'Alarms', alarms, width: 24, height: 6 })],
    [
      graph('Sync runs by outcome', byValue('SyncRuns')),
      graph('Invoices synced', byValue('InvoicesSynced')),
      graph('Callbacks by outcome', byValue('Callbacks')),
    ],
    [
      graph('Write-backs by outcome', byValue('WriteBacks')),
      graph('Cloud call latency p95 (ms)', byValue('CloudCallLatency', 'p95')),
      graph('Cloud throttles', byValue('CloudThrottles')),
    ],
    [
      graph(
        'Queue depth',
        perQueue((k) => stateful.queues[k].metricApproximateNumberOfMessagesVisible()),
      ),
      graph(
        'Oldest message age (s)',
        perQueue((k) => stateful.queues[k].metricApproximateAgeOfOldestMessage()),
      ),
      graph(
        'Dead letters',
        perQueue((k) => stateful.deadLetters[k].metricApproximateNumberOfMessagesVisible()),
      ),
    ],
    [
      graph('API requests', [api.metricCount({ statistic: 'Sum' })]),
      graph('API 5xx %', [api5xxRate(api)]),
      graph('API latency p95 (ms)', [api.metricLatency({ statistic: 'p95' })]),
    ],
    [
      graph(
        'Lambda errors',
        perFn((fn) => fn.metricErrors()),
      ),
      graph(
        'Lambda throttles',
        perFn((fn) => fn.metricThrottles()),
      ),
      graph('DynamoDB throttles', [
        ...(Object.keys(stateful.tables) as TableKey[]).map((k) => tableThrottles(stateful, k)),
      ]),
    ],
  ];
};
