/**
 * Ports: the small interfaces use cases depend on. Adapters live in `shared/adapters/` and
 * `local/`.
 */
import type { MetricDims, MetricName } from './metrics.js';

/**
 * Secrets by name. `org/<orgId>/client-secret` and `org/<orgId>/link-key` are sealed items in the
 * config table under one deployment key (`secrets/org-vault.ts`, O(1) cost per deployment);
 * `system/<id>/signing-secret` is a Secrets Manager secret (a local store in local mode).
 */
export interface Secrets {
  get(name: string): Promise<string | undefined>;
  /**
   * `orgVersion` (org secrets): the org write this secret belongs to; a secret of a newer org
   * write is never overwritten by a slower, older one.
   */
  put(name: string, value: string, opts?: { orgVersion?: number }): Promise<void>;
}

export interface SendOptions {
  /** FIFO queues: ordering group. */
  groupId?: string;
  /** FIFO queues: de-duplication id. */
  dedupId?: string;
  delaySeconds?: number;
}
export interface Queue<T> {
  send(message: T, opts?: SendOptions): Promise<void>;
}

/**
 * A queue's dead-letter queue as operators handle it (SQS: `GetQueueAttributes`,
 * `StartMessageMoveTask` from the DLQ back to its source queue).
 */
export interface DeadLetterQueue {
  /** Messages waiting in the DLQ (SQS `ApproximateNumberOfMessages`). */
  depth(): Promise<number>;
  /** Start moving every message back to the source queue; the move task's handle. */
  redrive(): Promise<string>;
}

export type Clock = () => Date;

/** Kinds of runtime secret; each lives under its own prefix so IAM can grant one kind alone. */
export type SecretKind = 'org' | 'system';
export const SECRET_PREFIX: Record<SecretKind, string> = { org: 'org/', system: 'system/' };

/** Secret names (under the stack's prefix in AWS): org client secrets, system signing secrets. */
export const secretNames = {
  orgClientSecret: (orgId: string) => `${SECRET_PREFIX.org}${orgId}/client-secret`,
  /** The org's push-channel link key (the poll sends its MD5). */
  orgLinkKey: (orgId: string) => `${SECRET_PREFIX.org}${orgId}/link-key`,
  systemSigningSecret: (systemId: string) => `${SECRET_PREFIX.system}${systemId}/signing-secret`,
};

/**
 * The product's own metrics (the table in `metrics.ts`). Calls only record; `flush` publishes what
 * an invocation recorded (embedded metric format in AWS) and is called once at its end.
 */
export interface Metrics {
  count<N extends MetricName>(name: N, dims: MetricDims<N>, value?: number): void;
  ms<N extends MetricName>(name: N, dims: MetricDims<N>, millis: number): void;
  flush(): void;
}

/** Metrics that go nowhere (tests and benches that do not look at them). */
export const noMetrics: Metrics = { count: () => {}, ms: () => {}, flush: () => {} };
