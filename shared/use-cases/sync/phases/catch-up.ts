/**
 * Phase 4, catch-up: records changed or added after the run started are picked up by one more
 * pass over `[run start, window end]`. A catch-up pass is only gap-free when read in one go: one
 * interrupted (hand-off, failure, resume) is followed by another pass over what changed since it
 * began, until a pass completes in one invocation.
 */
import { addDays, cstDateTime } from '../../../domain/time/cst.js';
import type { Progress } from './run-session.js';

export interface PassFacts {
  /** When the run started (CST date-time): the catch-up window's start. */
  since: string;
  /** The run's invocation count now (a pass begun in another invocation was interrupted). */
  invocation: number;
  /** Read only when a window without an end needs one. */
  clock: () => Date;
}

/**
 * The pass after pass `p` has read its window: a main pass reaching past the run's start gets a
 * catch-up pass; an interrupted catch-up pass is read again from when it began; otherwise the run
 * is done (`phase: 'done'`).
 */
export const nextPass = (p: Progress, facts: PassFacts): Progress => {
  const reachesNow = !p.windowEnd || p.windowEnd >= facts.since;
  const interrupted = p.passInvocation !== facts.invocation;
  if (p.phase === 'catchup' && interrupted && p.passStartedAt)
    // Resumed mid-pass: what changed in the gap may have moved to pages already read. Read it
    // again.
    return { ...p, windowStart: p.passStartedAt, nextPage: null, total: null };
  if (p.phase === 'main' && reachesNow)
    return {
      phase: 'catchup',
      windowStart: facts.since,
      windowEnd: p.windowEnd ?? twoDaysAhead(facts.clock()),
      pageSize: p.pageSize,
      nextPage: null,
      total: null,
    };
  return { ...p, phase: 'done' };
};

/** An open window's end: two days past today (UTC), beyond any record changed meanwhile. */
const twoDaysAhead = (now: Date): string =>
  cstDateTime(new Date(Date.parse(addDays(now.toISOString().slice(0, 10), 2))));
