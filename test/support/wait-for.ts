/** Polls `check` until it holds; false when `timeoutMs` passed first. For outcomes, not for timing. */
export async function waitFor(check: () => Promise<boolean>, timeoutMs = 10_000): Promise<boolean> {
  for (const started = Date.now(); Date.now() - started < timeoutMs;) {
    if (await check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return false;
}

/** Polls until `check` passes or `timeoutMs` (a bound the contract promises) has passed. */
export async function within(timeoutMs: number, check: () => void | Promise<void>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }
}
