/** Waits `ms` milliseconds. */
export function settle(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Polls `condition` until it holds (sync or async), or fails after `timeoutMs` naming `what`, with
 * `detail()` (the progress so far, a process's output) appended to the failure.
 * For asynchronous effects a test cannot await directly: watches, consumers, other processes.
 */
export async function until(
  condition: () => boolean | Promise<boolean>,
  timeoutMs = 10_000,
  what = 'condition',
  intervalMs = 10,
  detail?: () => string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline)
      throw new Error(
        `${what} not met within ${timeoutMs} ms${detail ? `\n${detail()}` : ''}`,
      );
    await settle(intervalMs);
  }
}
