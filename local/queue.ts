/**
 * An in-process SQS stand-in for local mode: Lambda-shaped SQS events, partial batch responses,
 * redelivery after a visibility delay, a receive limit then a dead-letter list, and FIFO ordering
 * per message group. Tests can opt into an AWS-like mode (`aws`): at-least-once duplicates,
 * redelivery only after the real visibility timeout on a manual clock the test advances, and send
 * failures on demand (as throttling). Its dead letters behave as an SQS DLQ: counted, and moved
 * back by a redrive (`StartMessageMoveTask`).
 */
import { randomUUID } from 'node:crypto';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type { DeadLetterQueue, Queue, SendOptions } from '#shared/ports.js';

interface Msg {
  id: string;
  body: string;
  opts: SendOptions;
  receives: number;
  availableAt: number;
  sentAt: number;
  sendNo: number;
  /** AWS-like mode: the concurrent second copy of a duplicated send. */
  copy?: boolean;
  /** AWS-like mode: already brought back once after a successful delivery. */
  redelivered?: boolean;
}
export type Consumer = (event: SQSEvent, context: Context) => Promise<unknown>;

/**
 * A clock that moves only when told to: the time base of the AWS-like mode (share it with the
 * stack).
 */
export class ManualClock {
  private readonly listeners: (() => void)[] = [];
  constructor(private ms = Date.parse('2024-07-22T02:00:00.000Z')) {}
  now = (): number => this.ms;
  date = (): Date => new Date(this.ms);
  advance(ms: number): void {
    this.ms += ms;
    this.listeners.forEach((l) => l());
  }
  onAdvance(l: () => void): void {
    this.listeners.push(l);
  }
}

/** What AWS does and the default local queue does not (opt-in, for tests). */
export interface AwsLikeMode {
  clock: ManualClock;
  /** The queue's real visibility timeout: a failed message comes back only after it. */
  visibilityTimeoutMs: number;
  /**
   * Deliver this send (1-based count of sends on the queue) twice, as two concurrent invocations.
   */
  duplicate?: (sendNo: number) => boolean;
  /**
   * Bring this send back once after the visibility timeout even though it was processed (a lost
   * delete, or an invocation that outlived the timeout): a late redelivery.
   */
  redeliver?: (sendNo: number) => boolean;
}

export class LocalQueue<T> implements Queue<T> {
  readonly dead: Msg[] = [];
  private readonly msgs: Msg[] = [];
  private readonly inFlightGroups = new Set<string>();
  private readonly dedup = new Map<string, number>();
  private busy = 0;
  private timer: NodeJS.Timeout | undefined;
  private idleWaiters: (() => void)[] = [];
  private sends = 0;
  private readonly failing = new Set<number>();
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
      aws?: AwsLikeMode | undefined;
    },
  ) {
    o.aws?.clock.onAdvance(() => this.schedule(0));
  }

  private now(): number {
    return this.o.aws ? this.o.aws.clock.now() : Date.now();
  }

  /**
   * AWS-like mode: the `n`-th send on this queue (1-based, every send counted) throws, as
   * throttling would.
   */
  failSend(n: number): void {
    this.failing.add(n);
  }

  async send(message: T, opts: SendOptions = {}): Promise<void> {
    const sendNo = ++this.sends;
    if (this.failing.delete(sendNo)) {
      const e = new Error(`${this.name}: send ${sendNo} throttled (injected)`);
      e.name = 'ThrottlingException';
      throw e;
    }
    const now = this.now();
    if (this.o.fifo && opts.dedupId) {
      const seen = this.dedup.get(opts.dedupId);
      if (seen && now - seen < 5 * 60_000) return; // SQS FIFO: 5-minute de-duplication window
      this.dedup.set(opts.dedupId, now);
    }
    const copies = this.o.aws?.duplicate?.(sendNo) ? 2 : 1;
    const id = randomUUID();
    for (let i = 0; i < copies; i++)
      this.msgs.push({
        id,
        body: JSON.stringify(message),
        opts,
        receives: 0,
        availableAt: now + (opts.delaySeconds ?? 0) * 1000,
        sentAt: now,
        sendNo,
        ...(i > 0 ? { copy: true } : {}),
      });
    this.schedule(0);
  }

  get depth(): number {
    return this.msgs.length;
  }

  /**
   * The dead letters as an SQS DLQ: `depth` is `ApproximateNumberOfMessages`; `redrive` is a
   * `StartMessageMoveTask` back to this queue that completes at once. As SQS does, it moves every
   * message, oldest first, as a new message (new id, receive count 0, retention restarted) with
   * its body and attributes, FIFO group and de-duplication id included; the FIFO de-duplication
   * window does not drop it. It answers the move task's handle.
   */
  deadLetters(): DeadLetterQueue {
    return {
      depth: () => Promise.resolve(this.dead.length),
      redrive: () => Promise.resolve(this.redriveDead()),
    };
  }

  private redriveDead(): string {
    const now = this.now();
    for (const m of this.dead.splice(0)) {
      this.msgs.push({
        id: randomUUID(),
        body: m.body,
        opts: m.opts,
        receives: 0,
        availableAt: now,
        sentAt: now,
        sendNo: ++this.sends,
      });
    }
    this.schedule(0);
    const task = Buffer.from(JSON.stringify({ queue: this.name, at: now, id: randomUUID() }));
    return task.toString('base64');
  }

  /**
   * Resolves when nothing is queued (or only delayed beyond `horizonMs`) and nothing is in flight.
   * In the AWS-like mode only what is visible now counts: the clock moves when the test moves it.
   */
  drain(horizonMs = 60_000): Promise<void> {
    return new Promise((resolve) => {
      const check = () => (this.isIdle(horizonMs) ? resolve() : this.idleWaiters.push(check));
      check();
    });
  }

  private isIdle(horizonMs: number) {
    // AWS-like mode: idle once nothing can be received now (a FIFO group may wait behind an
    // invisible message).
    if (this.o.aws) return this.busy === 0 && this.select().length === 0;
    return this.busy === 0 && this.msgs.every((m) => m.availableAt > this.now() + horizonMs);
  }

  private schedule(ms: number) {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.pump();
    }, ms);
  }

  private take(): Msg[] {
    const batch = this.select();
    for (const m of batch) {
      this.msgs.splice(this.msgs.indexOf(m), 1);
      m.receives++;
      if (this.o.fifo && m.opts.groupId && !m.copy) this.inFlightGroups.add(m.opts.groupId);
    }
    return batch;
  }

  /** The next batch a receive would return now. */
  private select(): Msg[] {
    const now = this.now();
    const batch: Msg[] = [];
    const groups = new Set<string>();
    const ids = new Set<string>();
    for (const m of this.msgs) {
      // A FIFO copy runs beside its original (its visibility ran out mid-processing), never before.
      if (m.copy && this.msgs.some((o) => o.id === m.id && !o.copy && !o.receives)) continue;
      const g = this.o.fifo && !m.copy ? m.opts.groupId : undefined;
      if (g && (this.inFlightGroups.has(g) || groups.has(g))) continue;
      if (g) groups.add(g); // one message per group per batch; later ones wait behind it
      if (m.availableAt > now || batch.length >= (this.o.batchSize ?? 10)) continue;
      if (ids.has(m.id)) continue; // a duplicate goes to another (concurrent) invocation
      ids.add(m.id);
      batch.push(m);
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
    // AWS-like mode: delayed messages wait for the test to advance the clock.
    if (Number.isFinite(next) && !this.o.aws) this.schedule(Math.max(5, next - Date.now()));
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
    // FIFO: after a failed message, the rest of its group in this batch is returned too (as Lambda
    // does).
    for (const m of batch) {
      if (this.o.fifo && m.opts.groupId && !m.copy) this.inFlightGroups.delete(m.opts.groupId);
      if (!failed.has(m.id)) {
        if (this.o.aws?.redeliver?.(m.sendNo) && !m.copy && !m.redelivered) {
          m.redelivered = true;
          m.availableAt = this.now() + this.o.aws.visibilityTimeoutMs;
          this.msgs.push(m);
        }
        continue;
      }
      if (m.receives >= (this.o.maxReceives ?? 5)) this.dead.push(m);
      else {
        m.availableAt = this.o.aws
          ? this.now() + this.o.aws.visibilityTimeoutMs
          : Date.now() + (this.o.visibilityMs ?? 200) * m.receives;
        this.msgs.unshift(m);
      }
    }
  }

  private record(m: Msg): SQSRecord {
    return {
      messageId: m.id,
      receiptHandle: `local-${m.id}-${m.receives}-${randomUUID().slice(0, 8)}`,
      body: m.body,
      attributes: {
        ApproximateReceiveCount: String(m.receives),
        SentTimestamp: String(m.sentAt),
        SenderId: 'local',
        ApproximateFirstReceiveTimestamp: String(this.now()),
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
