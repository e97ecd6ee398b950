/**
 * The push consumer's time budget: each invocation long-polls for at most `budgetMs`, and never
 * beyond what the Lambda has left minus `reserveMs` (kept for storing and acknowledging the message
 * a last poll may bring). A poll starts only if a whole hold still fits before the deadline.
 */
export interface PushBudget {
  /** Longest time an invocation keeps polling (EventBridge starts the next one a minute later). */
  budgetMs: number;
  /** Kept back from the Lambda's remaining time: storing and acknowledging one message. */
  reserveMs: number;
  /** How long the cloud may hold a poll open when it has nothing (the vendor: ~30 s). */
  pollHoldMs: number;
}
export const DEFAULT_PUSH_BUDGET: PushBudget = {
  budgetMs: 50_000,
  reserveMs: 8_000,
  pollHoldMs: 30_000,
};

export interface Deadline {
  /** Epoch ms after which no poll may still be open. */
  at: number;
  /** Whether a poll started now ends before the deadline, even if the cloud holds it. */
  canPoll(): boolean;
}

export const deadlineOf = (
  b: PushBudget,
  remainingMs: number,
  now: () => number = Date.now,
): Deadline => {
  const at = now() + Math.max(0, Math.min(b.budgetMs, remainingMs - b.reserveMs));
  return { at, canPoll: () => at - now() >= b.pollHoldMs };
};
