/**
 * The product's own CloudWatch metrics (SPEC §5 "Operations"): the one table both sides use. The
 * functions emit exactly these (names, units, dimension names and values) as embedded metric
 * format through the `Metrics` port; the alarms and the dashboard in `infra/operations.ts` read
 * them (infra re-exports this table). Dimensions are low-cardinality on purpose: never an org,
 * run, bill or log id (those belong in log lines).
 *
 * Powertools Metrics adds a `service` dimension to every metric; it is part of the dimension set
 * (CloudWatch matches an alarm's dimensions exactly), with the value the functions are given in
 * POWERTOOLS_SERVICE_NAME. Each emission carries exactly one value per dimension listed (no
 * dimension left out, none added): an alarm sees only that exact set.
 */
export const METRICS_NAMESPACE = 'InvoiceCloudBridge';
export const SERVICE = 'invoice-cloud-bridge';

export type MetricUnit = 'Count' | 'Milliseconds';

export interface MetricDef {
  unit: MetricUnit;
  /** Dimension name → its allowed values (besides `service`). */
  dimensions: Readonly<Record<string, readonly string[]>>;
  /** Who emits it, and when. */
  emittedBy: string;
}

/** The functions that call the invoice cloud (the cloud client's metrics). */
const CLOUD_CALLERS = ['sync-worker', 'sync-api', 'bill-writeback', 'push-consumer'] as const;

export const METRICS = {
  /** One per sync run reaching an end state (a `failed` run that is retried later emits again). */
  SyncRuns: {
    unit: 'Count',
    dimensions: { Outcome: ['succeeded', 'failed', 'needs_manual'] },
    emittedBy: 'sync-worker when a run ends (needs_manual once its retries are spent)',
  },
  /** Records written to the pool by sync runs and pushed invoices. */
  InvoicesSynced: {
    unit: 'Count',
    dimensions: { Kind: ['input', 'output', 'pushed'] },
    emittedBy: 'sync-worker per succeeded run (its count); push-consumer per stored push',
  },
  /** Callback deliveries by outcome; `given_up` once a log has used every attempt. */
  Callbacks: {
    unit: 'Count',
    dimensions: { Outcome: ['delivered', 'retrying', 'given_up'] },
    emittedBy: 'callback-sender per delivery attempt',
  },
  /** Write-back events by end state; `failed` is a definite refusal or a dead-lettered event. */
  WriteBacks: {
    unit: 'Count',
    dimensions: { Outcome: ['applied', 'skipped', 'failed'] },
    emittedBy: 'bill-writeback per event',
  },
  /** Duration of each call to the invoice cloud (retries included). */
  CloudCallLatency: {
    unit: 'Milliseconds',
    dimensions: { Function: CLOUD_CALLERS },
    emittedBy: 'the cloud client, per call',
  },
  /** Throttling answers from the cloud (HTTP 429, `1429`, `1307`). */
  CloudThrottles: {
    unit: 'Count',
    dimensions: { Function: CLOUD_CALLERS },
    emittedBy: 'the cloud client, per throttled answer',
  },
} as const satisfies Record<string, MetricDef>;

export type MetricName = keyof typeof METRICS;

/** The dimensions of metric `N`: one allowed value for each of its dimension names. */
type DimsOf<N extends MetricName> = (typeof METRICS)[N]['dimensions'];
export type MetricDims<N extends MetricName> = {
  -readonly [D in keyof DimsOf<N>]: DimsOf<N>[D][number & keyof DimsOf<N>[D]];
};
