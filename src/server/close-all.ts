// Orderly shutdown of a node's parts: listeners first (stop accepting, let in-flight requests
// finish), the broker last (flush, clean-shutdown markers). Each part gets a bounded time, so a
// stuck long poll cannot keep the log from being closed cleanly; every part is closed even when
// an earlier one fails, and the first failure is reported afterwards.

import type { Timers } from "../../runtime/types.ts";
import { TributaryError } from "../model/errors.ts";

export interface Closer {
  name: string;
  close(): Promise<void>;
  /** Its own bound instead of the shared grace period (the broker's log flush). */
  closeMsMax?: number;
}

export async function closeAll(
  closers: readonly Closer[],
  timers?: Pick<Timers, "setTimeout">,
  graceMs = 10_000,
): Promise<void> {
  let firstError: unknown = null;
  for (const closer of closers) {
    try {
      await bounded(closer, timers, closer.closeMsMax ?? graceMs);
    } catch (err) {
      firstError ??= err;
    }
  }
  if (firstError !== null) throw firstError;
}

async function bounded(
  closer: Closer,
  timers: Pick<Timers, "setTimeout"> | undefined,
  graceMs: number,
): Promise<void> {
  if (!timers) return closer.close();
  let timer: { cancel(): void } | null = null;
  const late = new Promise<never>((_, reject) => {
    timer = timers.setTimeout(
      () =>
        reject(
          new TributaryError(
            "REQUEST_TIMED_OUT",
            `closing the ${closer.name} took over ${graceMs} ms`,
          ),
        ),
      graceMs,
    );
  });
  try {
    await Promise.race([closer.close(), late]);
  } finally {
    (timer as { cancel(): void } | null)?.cancel();
  }
}
