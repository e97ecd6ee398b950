import { RemovalPolicy } from 'aws-cdk-lib';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import type { LimitKnob } from '../shared/adapters/cloud/rate-limit.js';

export type StageName = 'dev' | 'prod';

/** A wall-clock time in the schedules' time zone, `HH:mm`. */
export type ClockTime = `${number}:${number}`;

/**
 * Everything that differs between deployments, typed. Chosen with `-c stage=dev|prod` (cdk.json:
 * `dev`); single values can be overridden by context keys of the same name (`-c alarmEmail=…`,
 * `-c account=…`, `-c region=…`, `-c invoiceCloudUrl=…`, `-c authIssuer=…`).
 */
export interface StageConfig {
  name: StageName;
  /** Target account and region; unset, the stacks are environment-agnostic (CDK_DEFAULT_*). */
  account?: string;
  region?: string;
  invoiceCloudUrl: string;
  /** Expected `iss` of API tokens (becomes AUTH_ISSUER); unset: HS256 tokens of the stack. */
  authIssuer?: string;
  /**
   * The operator console's OIDC client id at `authIssuer` (authorization code + PKCE); unset: the
   * console asks for a token instead.
   */
  consoleClientId?: string;
  /** Email subscribed to the alarm topic; unset: the topic has no subscription. */
  alarmEmail?: string;
  /** Retention of every function's log group and the API access logs. */
  logRetention: RetentionDays;
  /** Tables, queues and the token secret when the data stack is deleted. */
  removalPolicy: RemovalPolicy;
  /** Termination protection and table deletion protection on the data stack. */
  protectData: boolean;
  /** IANA time zone of the schedules (SPEC: China Standard Time). */
  timeZone: string;
  schedules: { dailySync: ClockTime; retry: ClockTime };
  /** Minutes between scheduled order fetches from customer systems (SPEC §4.6), 1–1440. */
  orderFetchMinutes: number;
  /** Failed sync runs per hour above which the on-call engineer is paged. */
  failedRunsPerHour: number;
  /**
   * Rate limits toward the invoice cloud (`clientRps`, `clientBurst`, `globalRps`, `globalBurst`,
   * `leaseMs`); unset keys keep the defaults of shared/adapters/cloud/rate-limit.ts
   * (docs/scale.md).
   */
  cloudRateLimits?: Partial<Record<LimitKnob, number>>;
  /**
   * Most sync workers at once (the sync queue's SQS `maxConcurrency`, 2–1000). The shared rate
   * limiter, not this cap, keeps the cloud's limits; a first-day migration of many orgs raises it
   * (`-c syncWorkers=600`, with the account's Lambda concurrency quota: docs/scale.md).
   */
  syncWorkers: number;
}

const COMMON = {
  invoiceCloudUrl: 'https://api.example-invoice-cloud.com',
  timeZone: 'Asia/Shanghai',
  schedules: { dailySync: '23:30', retry: '06:00' },
  orderFetchMinutes: 15,
} as const satisfies Partial<StageConfig>;

export const STAGES: Record<StageName, StageConfig> = {
  dev: {
    ...COMMON,
    name: 'dev',
    logRetention: RetentionDays.ONE_MONTH,
    removalPolicy: RemovalPolicy.DESTROY,
    protectData: false,
    failedRunsPerHour: 10,
    syncWorkers: 5,
  },
  prod: {
    ...COMMON,
    name: 'prod',
    logRetention: RetentionDays.ONE_YEAR,
    removalPolicy: RemovalPolicy.RETAIN,
    protectData: true,
    failedRunsPerHour: 3,
    syncWorkers: 50,
  },
};

const OVERRIDABLE = [
  'account',
  'region',
  'invoiceCloudUrl',
  'authIssuer',
  'alarmEmail',
  'consoleClientId',
] as const;
const CLOCK = /^([01]\d|2[0-3]):[0-5]\d$/;

/** The stage named by context `stage` (default `dev`) with its context overrides, checked. */
export const stageConfig = (scope: Construct): StageConfig => {
  const name = String(scope.node.tryGetContext('stage') ?? 'dev');
  if (!(name in STAGES))
    throw new Error(`context stage must be one of ${Object.keys(STAGES).join(', ')}`);
  const stage: StageConfig = { ...STAGES[name as StageName] };
  for (const key of OVERRIDABLE) {
    const v: unknown = scope.node.tryGetContext(key);
    if (v === undefined || v === '') continue;
    if (typeof v !== 'string') throw new Error(`context ${key} must be a string`);
    stage[key] = v;
  }
  for (const [k, t] of Object.entries(stage.schedules))
    if (!CLOCK.test(t)) throw new Error(`stage ${name}: schedule ${k} must be HH:mm, got ${t}`);
  const workers: unknown = scope.node.tryGetContext('syncWorkers');
  if (workers !== undefined && workers !== '') stage.syncWorkers = Number(workers);
  const w = stage.syncWorkers;
  if (!Number.isInteger(w) || w < 2 || w > 1000)
    throw new Error(
      `stage ${name}: syncWorkers must be a whole number 2–1000, got ${String(workers)}`,
    );
  const m = stage.orderFetchMinutes;
  if (!Number.isInteger(m) || m < 1 || m > 1440)
    throw new Error(`stage ${name}: orderFetchMinutes must be a whole number 1–1440, got ${m}`);
  return stage;
};

/** `23:30` → cron fields for a daily schedule. */
export const dailyAt = (t: ClockTime) => {
  const [hour, minute] = t.split(':').map(Number) as [number, number];
  return { hour: String(hour), minute: String(minute) };
};
