/**
 * Local mode keeps its data (issue 17): after `npm start` restarts on a data directory, the queues
 * (in process) are empty, so whatever was in flight is queued again from what the tables say.
 * Duplicates are harmless: a sync run continues from its checkpoint under its lease, and a callback
 * attempt is claimed in its log before it is sent (one delivery per attempt).
 */
import { hopDelaySeconds, SWEEP_LOOKBACK_MS } from '#shared/use-cases/callbacks/send.js';
import type { LocalStack } from './stack.js';

export interface Resumed {
  /** Runs queued or running when the last process stopped, queued again. */
  runs: number;
  /** Callbacks with an automatic attempt still to make, queued again (due now or at their time). */
  callbacks: number;
}

/**
 * Queue again what the previous process left in flight. A run still `queued` or `running` gets its
 * continuation: its run and org leases are freed first, because one process owns a local data
 * directory, so a lease found at start belongs to a process that is gone (in AWS the lease expires
 * instead). A callback whose next automatic attempt is set is queued for that time; an attempt
 * claimed by the dead process waits until its claim runs out, then is taken over.
 */
export const resumeInFlight = async (stack: LocalStack): Promise<Resumed> => {
  const { runs: runStore, logs } = stack.deps.stores;
  let runs = 0;
  for (const status of ['queued', 'running'] as const)
    for await (const run of runStore.withStatus(status)) {
      await runStore.freeLease(run.runId, status);
      await runStore.releaseOrg(run.orgId, run.type, run.runId);
      await stack.queues.sync.send({ runId: run.runId });
      runs++;
    }
  const now = stack.deps.clock().getTime();
  const iso = (ms: number) => new Date(ms).toISOString();
  // Every log with an attempt still to make, however far ahead (the dead process's delayed
  // messages are gone with it).
  const pending = await logs.dueForRetry(iso(now - SWEEP_LOOKBACK_MS), iso(now), '\uffff');
  for (const log of pending) {
    const at = Date.parse(log.nextAttemptAt ?? iso(now));
    await stack.queues.callbacks.send(
      { logId: log.logId, attempt: log.autoDone ?? 0, notBefore: at },
      { delaySeconds: hopDelaySeconds(at, now) },
    );
  }
  return { runs, callbacks: pending.length };
};
