// Waiting on an event the test cannot await directly: polls a condition, bounded in time, so a
// test synchronises on the state it needs instead of sleeping and hoping.

/** Polls `condition` every 5 ms until it holds; throws after `timeoutMs`. */
export async function eventually(
  condition: () => boolean | Promise<boolean>,
  timeoutMs = 5_000,
): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!(await condition())) {
    if (performance.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
