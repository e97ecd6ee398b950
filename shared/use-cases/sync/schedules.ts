/**
 * The two scheduled jobs. Both take "now" from the EventBridge event's `time` and are safe to
 * re-run.
 */
import type { Deps } from '../../deps.js';
import { ignoreLostRace } from '../../domain/errors.js';
import { MAX_AUTO_RETRIES, type Run } from '../../domain/schemas/sync.js';
import { addDays, cstDate } from '../../domain/time/cst.js';
import { eligibleOrgs, newRun, queueRun } from './start.js';

/**
 * Daily incremental sync: an `input` run for today and the `lookbackDays` before it, per eligible
 * org.
 */
export const dailySync = async (
  time: Date,
  deps: Deps<'config' | 'runs', 'sync'>,
): Promise<{ created: Run[]; existing: number }> => {
  const today = cstDate(time);
  const { lookbackDays } = await deps.stores.config.getConfig();
  // At least one look-back day, even for a config stored before the schema required it.
  const days = Math.max(1, lookbackDays);
  const dates = Array.from({ length: days + 1 }, (_, i) => addDays(today, -i));
  const created: Run[] = [];
  let existing = 0;
  for (const org of await eligibleOrgs(deps)) {
    for (const dataDate of dates) {
      // Deterministic id: a re-run of the same day's schedule creates nothing new.
      const run = newRun({
        runId: `daily-${today}-${org.orgId}-input-${dataDate}`,
        org,
        type: 'input',
        dataDate,
        trigger: 'schedule',
        at: time.toISOString(),
      });
      if (await queueRun(run, deps)) created.push(run);
      else existing++;
    }
  }
  return { created, existing };
};

const STALE_MS = 30 * 60_000;

/**
 * Failure retry: every failed run is queued again with `attemptCount` + 1 (once per schedule event:
 * the event time is the retry round) and resumes from its last checkpoint, its counters intact.
 * Runs left queued or running with no progress for 30 minutes (a crashed worker, a lost message)
 * are queued again from their checkpoint.
 */
export const retryFailed = async (
  time: Date,
  deps: Deps<'runs', 'sync'>,
): Promise<{ retried: Run[]; resumed: Run[] }> => {
  const { runs } = deps.stores;
  const round = time.toISOString();
  const retried: Run[] = [];
  const resumed: Run[] = [];
  for await (const r of runs.withStatus('failed')) {
    if (r.attemptCount > MAX_AUTO_RETRIES) continue;
    const next = r.attemptCount + 1;
    const updated = await runs
      .update(
        r.runId,
        {
          createdAt: r.createdAt,
          orgId: r.orgId,
          status: 'queued',
          attemptCount: next,
          retryRound: round,
          message: `retry ${next - 1} of ${MAX_AUTO_RETRIES} queued (was: ${r.message})`,
          finishedAt: null,
          updatedAt: round,
        },
        { expectStatus: ['failed'], notRound: round },
      )
      .catch(ignoreLostRace);
    if (!updated) continue;
    await deps.queues.sync.send({ runId: r.runId });
    retried.push(updated);
  }
  for (const status of ['queued', 'running'] as const)
    for await (const r of runs.withStatus(status)) {
      if (time.getTime() - Date.parse(r.updatedAt) < STALE_MS) continue;
      await deps.queues.sync.send({ runId: r.runId });
      resumed.push(r);
    }
  return { retried, resumed };
};
