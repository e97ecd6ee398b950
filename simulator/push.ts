/**
 * The simulator's push channel: per org a queue of messages; a poll is held open up to `holdMs` and
 * answers the oldest visible unacknowledged message (hiding it for `redeliverMs`) or `1307`; an ack
 * by `msgId` removes it; an unacknowledged message is delivered again on a later poll.
 */
import { randomUUID } from 'node:crypto';
import { CODES, pushMessageWire, type PushMessage } from '#shared/adapters/cloud/contract.js';
import type { Reply } from './auth.js';

export interface PushOptions {
  /** How long a poll is held open when there is nothing (the vendor: ~30 s). */
  holdMs: number;
  /** How long a delivered, unacknowledged message stays hidden before it is delivered again. */
  redeliverMs: number;
}
export interface SimPushMessage extends PushMessage {
  deliveries: number;
  visibleAt: number;
}
/** The event type the simulator sends for collected invoices. */
export const PUSH_EVENT_TYPE = 'INVOICE_COLLECTED';

export const createPushQueues = (opts: PushOptions) => {
  const queues = new Map<string, SimPushMessage[]>();
  const waiters = new Set<() => void>();
  let closed = false;
  const queue = (taxNo: string) => {
    let q = queues.get(taxNo);
    if (!q) queues.set(taxNo, (q = []));
    return q;
  };
  const wakeAll = () => {
    for (const w of [...waiters]) w();
  };
  const take = (taxNo: string, now: number) => {
    const m = queue(taxNo).find((x) => x.visibleAt <= now);
    if (!m) return undefined;
    m.deliveries++;
    m.visibleAt = now + opts.redeliverMs;
    return m;
  };
  /** Waits for a push, a message turning visible again, or the deadline. */
  const wait = (taxNo: string, deadline: number) =>
    new Promise<void>((resolve) => {
      const next = Math.min(deadline, ...queue(taxNo).map((m) => m.visibleAt));
      const done = () => {
        clearTimeout(timer);
        waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, Math.max(0, next - Date.now()));
      timer.unref();
      waiters.add(done);
    });

  return {
    options: opts,
    messages: (taxNo: string): readonly SimPushMessage[] => queue(taxNo),
    push(taxNo: string, serialNos: string[], invoiceTag?: string): string {
      const msgId = randomUUID().replaceAll('-', '');
      const m: SimPushMessage = {
        msgId,
        eventType: PUSH_EVENT_TYPE,
        serialNos,
        ...(invoiceTag === undefined ? {} : { invoiceTag }),
        deliveries: 0,
        visibleAt: 0,
      };
      queue(taxNo).push(m);
      wakeAll();
      return msgId;
    },
    async poll(taxNo: string): Promise<Reply> {
      const deadline = Date.now() + opts.holdMs;
      for (;;) {
        const m = take(taxNo, Date.now());
        if (m) return [CODES.ok, '操作成功', pushMessageWire(m)];
        if (closed || Date.now() >= deadline) return [CODES.busy, '暂无数据 (nothing yet)'];
        await wait(taxNo, deadline);
      }
    },
    ack(taxNo: string, msgId: unknown): Reply {
      const q = queue(taxNo);
      const i = q.findIndex((m) => m.msgId === msgId);
      if (i < 0) return [CODES.notFound, `no message ${String(msgId)}`];
      q.splice(i, 1);
      return [CODES.ok, '操作成功', null];
    },
    /** Releases every held poll (on stop). */
    close() {
      closed = true;
      wakeAll();
    },
  };
};
