/** Poll `done` every 20 ms until it holds; fail naming `what` after `ms`. */
export const until = async (
  what: string,
  done: () => boolean | Promise<boolean>,
  ms = 30_000,
): Promise<void> => {
  const end = Date.now() + ms;
  while (!(await done())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
};

/** Stack options that send a failing write-back message to its DLQ in about a second. */
export const FAST_WRITEBACK = {
  retry: { baseDelayMs: 2, maxDelayMs: 10, budgetMs: 50, timeoutMs: 2000 },
  writebackVisibilityMs: 20,
};
