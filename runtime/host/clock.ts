// Real clocks, the same web-standard globals on Node, Deno and Bun.
import type { Clock } from "../types.ts";

export function createHostClock(): Clock {
  return {
    nowMs: () => Date.now(),
    monotonicMs: () => performance.now(),
  };
}
