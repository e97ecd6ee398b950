/**
 * Every Lambda function of the product: how it is triggered and what it may touch (tables, queues,
 * secret kinds). The CDK stack grants exactly this (least privilege) and the local runner wires the
 * same triggers in-process.
 */
import type { SecretKind } from '#shared/ports.js';
import type { TableKey } from '#shared/adapters/dynamo/tables.js';

export type Trigger =
  | 'api'
  | 'sqs-sync'
  | 'sqs-writeback'
  | 'sqs-callbacks'
  | 'schedule-daily'
  | 'schedule-retry'
  | 'schedule-push'
  | 'schedule-fetch'
  | 'invoke';
export type QueueKey = 'sync' | 'writeback' | 'callbacks';
export type SecretAccess = 'read' | 'write' | 'readwrite';
export interface FunctionSpec {
  description: string;
  trigger: Trigger;
  tables: Partial<Record<TableKey, 'r' | 'rw'>>;
  sends: QueueKey[];
  /**
   * Runtime secrets by kind; absent: none. `org`: org client secrets and link keys, sealed items in
   * the config table (the config grant) under the one org secret key, which any access reads
   * (`ORG_SECRET_KEY_ENV`). `system`: signing secrets, one Secrets Manager secret each.
   */
  secrets: Partial<Record<SecretKind, SecretAccess>>;
  /** Seconds; long for workers that page through the cloud. */
  timeout: number;
  memory: number;
  /** Calls the invoice cloud or customer systems (gets INVOICE_CLOUD_URL). */
  outbound?: boolean;
  /**
   * Concurrent executions reserved (and so also capped) for an internet-facing function: a flood
   * on one route cannot take the account's whole pool from the workers (security review M2).
   */
  reservedConcurrency?: number;
  /**
   * Queues whose DLQ this function reads and redrives (`StartMessageMoveTask` back to the queue):
   * it gets the DLQ's URL and ARN and the queue's ARN (`DLQ_ENV`) and exactly the redrive grants.
   */
  redrives?: readonly QueueKey[];
  /**
   * SQS consumers: most concurrent invocations its event source starts (SQS `maxConcurrency`, ≥ 2).
   * Unlike reserved concurrency, a full consumer leaves messages queued instead of throttling them
   * towards the DLQ.
   */
  maxConcurrency?: number;
}

/** Environment variable through which a sending function learns a queue's URL. */
export const QUEUE_ENV: Record<QueueKey, string> = {
  sync: 'SYNC_QUEUE_URL',
  writeback: 'WRITEBACK_QUEUE_URL',
  callbacks: 'CALLBACK_QUEUE_URL',
};

/** Environment variable naming the org secret key (ARN) for functions granted `org` secrets. */
export const ORG_SECRET_KEY_ENV = 'ORG_SECRET_KEY_ARN';

/** Environment variables of a redriving function: a DLQ's URL and ARN, its source queue's ARN. */
export const DLQ_ENV: Record<QueueKey, { url: string; arn: string; sourceArn: string }> = {
  sync: { url: 'SYNC_DLQ_URL', arn: 'SYNC_DLQ_ARN', sourceArn: 'SYNC_QUEUE_ARN' },
  writeback: {
    url: 'WRITEBACK_DLQ_URL',
    arn: 'WRITEBACK_DLQ_ARN',
    sourceArn: 'WRITEBACK_QUEUE_ARN',
  },
  callbacks: {
    url: 'CALLBACK_DLQ_URL',
    arn: 'CALLBACK_DLQ_ARN',
    sourceArn: 'CALLBACK_QUEUE_ARN',
  },
};

/** Receives before a message goes to its queue's DLQ. */
export const MAX_RECEIVES: Record<QueueKey, number> = { sync: 5, writeback: 5, callbacks: 8 };

export const FUNCTIONS = {
  'sync-api': {
    description: 'Manual sync, sync by bills, run log, reconciliation',
    trigger: 'api',
    // rateLimits: the shared buckets toward the cloud (reconciliation calls it).
    tables: { config: 'r', runs: 'rw', invoices: 'r', rateLimits: 'rw' },
    sends: ['sync'],
    secrets: { org: 'read' },
    timeout: 29,
    memory: 512,
    reservedConcurrency: 10,
    outbound: true,
  },
  'invoices-api': {
    description: 'Invoice pool, pushed invoices, user directory and personal folders',
    trigger: 'api',
    tables: { config: 'r', users: 'rw', invoices: 'rw', links: 'rw', interactionLogs: 'rw' },
    sends: ['callbacks'],
    secrets: {},
    timeout: 29,
    memory: 512,
    reservedConcurrency: 40,
  },
  'bills-api': {
    description: 'Bill events in, write-back logs out',
    trigger: 'api',
    // rw: the Idempotency-Key items of POST /bills/events
    tables: { config: 'r', billLogs: 'rw' },
    sends: ['writeback'],
    secrets: {},
    timeout: 10,
    memory: 256,
    reservedConcurrency: 20,
  },
  'interaction-api': {
    description: 'Orders and results in, interaction logs, re-push',
    trigger: 'api',
    tables: { config: 'r', interactionLogs: 'rw', invoices: 'r' },
    sends: ['callbacks'],
    secrets: { system: 'read' },
    timeout: 29,
    memory: 512,
    reservedConcurrency: 20,
    outbound: true,
  },
  'config-api': {
    description: 'Global config, organisations, heterogeneous systems',
    trigger: 'api',
    tables: { config: 'rw' },
    sends: [],
    secrets: { org: 'write', system: 'write' },
    timeout: 10,
    memory: 256,
    reservedConcurrency: 5,
  },
  'sync-worker': {
    description: 'Runs and continues sync runs from the sync queue',
    trigger: 'sqs-sync',
    tables: {
      config: 'r',
      users: 'r',
      runs: 'rw',
      invoices: 'rw',
      links: 'rw',
      interactionLogs: 'rw',
      rateLimits: 'rw',
    },
    sends: ['sync', 'callbacks'],
    secrets: { org: 'read' },
    timeout: 900,
    memory: 1024,
    // The default cap (dev); the stage's `syncWorkers` sets the deployed one. The shared rate
    // limiter keeps the cloud's limits whatever the cap.
    maxConcurrency: 5,
    outbound: true,
  },
  'daily-sync': {
    description: 'Daily incremental sync (EventBridge schedule)',
    trigger: 'schedule-daily',
    tables: { config: 'r', runs: 'rw' },
    sends: ['sync'],
    secrets: {},
    timeout: 120,
    memory: 256,
  },
  'sync-retry': {
    description: 'Failure retry (EventBridge schedule)',
    trigger: 'schedule-retry',
    tables: { runs: 'rw' },
    sends: ['sync'],
    secrets: {},
    timeout: 120,
    memory: 256,
  },
  'manual-sync': {
    description: 'Console invoke: {type, orgIds?, dataDate?}',
    trigger: 'invoke',
    tables: { config: 'r', runs: 'rw' },
    sends: ['sync'],
    secrets: {},
    timeout: 60,
    memory: 256,
  },
  'bill-writeback': {
    description: 'Writes bills back to the invoice cloud (FIFO per bill)',
    trigger: 'sqs-writeback',
    tables: { config: 'r', billLogs: 'rw', invoices: 'r', rateLimits: 'rw' },
    sends: [],
    secrets: { org: 'read' },
    timeout: 60,
    memory: 512,
    // Bills are written one call at a time per invocation: ≤ 5 calls at the cloud at once.
    maxConcurrency: 5,
    outbound: true,
  },
  'callback-sender': {
    description: 'Delivers signed callbacks with retries',
    trigger: 'sqs-callbacks',
    tables: { config: 'r', interactionLogs: 'rw' },
    sends: ['callbacks'],
    secrets: { system: 'read' },
    timeout: 60,
    memory: 512,
    // Per deployment: a slow customer system cannot take more than 10 executions of the account.
    maxConcurrency: 10,
    outbound: true,
  },
  'push-consumer': {
    description:
      'Push channel: long-polls each pushing org, stores then acknowledges (every minute)',
    trigger: 'schedule-push',
    // Config: orgs, link keys' flags, message markers and counts; the rest is the upsert path's.
    tables: {
      config: 'rw',
      users: 'r',
      invoices: 'rw',
      links: 'rw',
      interactionLogs: 'rw',
      rateLimits: 'rw',
    },
    sends: ['callbacks'],
    secrets: { org: 'read' },
    timeout: 60,
    memory: 512,
    outbound: true,
  },
  'ops-api': {
    description: 'Operations: dead-letter queue depths and redrive',
    trigger: 'api',
    tables: {},
    sends: [],
    secrets: {},
    timeout: 10,
    memory: 256,
    reservedConcurrency: 2,
    redrives: ['sync', 'writeback', 'callbacks'],
  },
  'order-fetch': {
    description: 'Pulls new orders from every system with an orderFetchUrl (schedule)',
    trigger: 'schedule-fetch',
    // Config: orgs and systems (read); logs: the order claims and each system's fetch state.
    tables: { config: 'r', interactionLogs: 'rw' },
    sends: [],
    secrets: { system: 'read' },
    // Longer than a run of a few systems at once (each ≤ 20 s), shorter than the fetch lease.
    timeout: 120,
    memory: 256,
    outbound: true,
  },
} as const satisfies Record<string, FunctionSpec>;
export type FunctionName = keyof typeof FUNCTIONS;

/**
 * Concurrency the API functions reserve in all (95): an account keeps at least 100 unreserved
 * executions, so this needs an account concurrency limit of 195 or more (the default is 1,000; new
 * accounts may start lower: deploy with `-c apiReservedConcurrency=false` there).
 */
export const RESERVED_CONCURRENCY_TOTAL = Object.values(FUNCTIONS).reduce(
  (n, f: FunctionSpec) => n + (f.reservedConcurrency ?? 0),
  0,
);
