// Bounded retries of one client operation with exponential backoff, for the Admin and the group
// lookups: a request that failed because a leader or coordinator moved, or a broker went away,
// is sent again (after the caller's `before` hook, which e.g. forgets a stale route) until it
// succeeds, fails for good, or the retries run out; then the last typed error reaches the app.

import type { Timers } from "../../runtime/types.ts";
import { toTributaryError, type TributaryError } from "../model/errors.ts";

export interface RetryPolicy {
  retries: number;
  retryBackoffMs: number;
  retryBackoffMsMax: number;
  /** Which failures are worth another attempt (default: every retriable one). */
  retriable?: (err: TributaryError) => boolean;
  /** Runs after a failure that will be retried, before the backoff. */
  onRetry?: (err: TributaryError) => void;
}

export async function withRetries<T>(
  timers: Pick<Timers, "sleep">,
  policy: RetryPolicy,
  attempt: () => Promise<T>,
): Promise<T> {
  const retriable = policy.retriable ?? ((err: TributaryError) => err.retriable);
  for (let failures = 0;; failures++) {
    try {
      return await attempt();
    } catch (err) {
      const typed = toTributaryError(err);
      if (failures >= policy.retries || !retriable(typed)) throw typed;
      policy.onRetry?.(typed);
      const backoffMs = policy.retryBackoffMs * 2 ** Math.min(failures, 20);
      await timers.sleep(Math.min(backoffMs, policy.retryBackoffMsMax));
    }
  }
}

/**
 * Refusals after which the broker did nothing, so even a request that is not idempotent (create,
 * delete, reset) may be sent again: it went to a broker that is not the one in charge.
 */
const REFUSED_UNDONE = new Set<string>([
  "NOT_CONTROLLER",
  "NOT_COORDINATOR",
  "COORDINATOR_NOT_AVAILABLE",
  "COORDINATOR_LOAD_IN_PROGRESS",
  "LEADER_NOT_AVAILABLE",
  "NOT_LEADER_OR_FOLLOWER",
  "BROKER_SHUTTING_DOWN",
]);

export function refusedUndone(err: TributaryError): boolean {
  return REFUSED_UNDONE.has(err.code);
}
