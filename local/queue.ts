/**
 * An in-process SQS stand-in for local mode: Lambda-shaped SQS events, partial batch responses, redelivery
 * after a visibility delay, a receive limit then a dead-letter list, and FIFO ordering per message group.
 */
import { randomUUID } from 'node:crypto';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type { Queue, SendOptions } from '#shared/ports.js';

interface Msg {
  id: string;
  body: string;
  opts: SendOptions;
  receives: number;
  availableAt: number;
  sentAt: number;
}
export type Consumer = (event: SQSEvent, context: Context) => Promise<unknown>;

export class LocalQueue<T> implements Queue<T> {
  readonly dead: Msg[] = [];
  private readonly msgs: Msg[] = [];
  private readonly inFlightGroups = new Set<string>();
  private readonly dedup = new Map<string, number>();
  private busy = 0;
  private timer: NodeJS.Timeout | undefined;
  private idleWaiters: (() => void)[] = [];
  consumer: Consumer | undefined;

  constructor(
    readonly name: string,
    private readonly o: {
      fifo?: boolean;
      batchSize?: number;
      maxReceives?: number;
      visibilityMs?: number;
      context: () => Context;
      onError?: (e: unknown) => void;
    },
  ) {}

  async send(message: T, opts: SendOptions = {}): Promise<void> {
    const now = Date.now();
    if (this.o.fifo && opts.dedupId) {
      const seen = this.dedup.get(opts.dedupId);
      if (seen && now - seen < 5 * 60_000) return; // SQS FIFO: 5-minute de-duplication window
      this.dedup.set(opts.dedupId, now);
    }
    this.msgs.push({
      id: randomUUID(),
      body: JSON.stringify(message),
      opts,
      receives: 0,
      availableAt: now + (opts.delaySeconds ?? 0) * 1000,
      sentAt: now,
    });
    this.schedule(0);
  }

  get depth(): number {
    return this.msgs.length;
  }

  /** Resolves when nothing is queued (or only delayed beyond `horizonMs`) and nothing is in flight. */
  drain(horizonMs = 60_000): Promise<void> {
    return new Promise((resolve) => {
      const check = () => (this.isIdle(horizonMs) ? resolve() : this.idleWaiters.push(check));
      check();
    });
  }

  private isIdle(horizonMs: number) {
    return this.busy === 0 && this.msgs.every((m) => m.availableAt > Date.now() + horizonMs);
  }

  private schedule(ms: number) {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.pump();
    }, ms);
  }

  private take(): Msg[] {
    const now = Date.now();
    const batch: Msg[] = [];
    const groups = new Set<string>();
    for (const m of this.msgs) {
      const g = this.o.fifo ? m.opts.groupId : undefined;
      if (g && (this.inFlightGroups.has(g) || groups.has(g))) continue;
      if (g) groups.add(g); // one message per group per batch; later ones wait behind it
      if (m.availableAt > now || batch.length >= (this.o.batchSize ?? 10)) continue;
      batch.push(m);
    }
    for (const m of batch) {
      this.msgs.splice(this.msgs.indexOf(m), 1);
      m.receives++;
      if (this.o.fifo && m.opts.groupId) this.inFlightGroups.add(m.opts.groupId);
    }
    return batch;
  }

  private async pump(): Promise<void> {
    if (!this.consumer) return;
    for (let batch = this.take(); batch.length; batch = this.take()) {
      this.busy++;
      void this.deliver(batch).finally(() => {
        this.busy--;
        this.schedule(0);
        this.wake();
      });
    }
    const next = Math.min(...this.msgs.map((m) => m.availableAt));
    if (Number.isFinite(next)) this.schedule(Math.max(5, next - Date.now()));
    this.wake();
  }

  private wake() {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    waiters.forEach((w) => w());
  }

  private async deliver(batch: Msg[]): Promise<void> {
    const event: SQSEvent = { Records: batch.map((m) => this.record(m)) };
    let failed: Set<string>;
    try {
      const res = (await this.consumer!(event, this.o.context())) as SQSBatchResponse | undefined;
      failed = new Set((res?.batchItemFailures ?? []).map((f) => f.itemIdentifier));
    } catch (e) {
      this.o.onError?.(e);
      failed = new Set(batch.map((m) => m.id));
    }
    // FIFO: after a failed message, the rest of its group in this batch is returned too (as Lambda does).
    for (const m of batch) {
      if (this.o.fifo && m.opts.groupId) this.inFlightGroups.delete(m.opts.groupId);
      if (!failed.has(m.id)) continue;
      if (m.receives >= (this.o.maxReceives ?? 5)) this.dead.push(m);
      else {
        m.availableAt = Date.now() + (this.o.visibilityMs ?? 200) * m.receives;
        this.msgs.unshift(m);
      }
    }
  }

  private record(m: Msg): SQSRecord {
    return {
      messageId: m.id,
      receiptHandle: `local-${m.id}-${m.receives}`,
      body: m.body,
      attributes: {
        ApproximateReceiveCount: String(m.receives),
        SentTimestamp: String(m.sentAt),
        SenderId: 'local',
        ApproximateFirstReceiveTimestamp: String(Date.now()),
        ...(m.opts.groupId ? { MessageGroupId: m.opts.groupId } : {}),
        ...(m.opts.dedupId ? { MessageDeduplicationId: m.opts.dedupId } : {}),
      },
      messageAttributes: {},
      md5OfBody: '',
      eventSource: 'aws:sqs',
      eventSourceARN: `arn:aws:sqs:local:000000000000:${this.name}`,
      awsRegion: 'local',
    };
  }
}
