// A call on the channel, bounded: it settles with the answer, or with a failure once the
// deadline passes or the manager closes, whichever comes first (a lost message never settles).
import type { Timers } from "../../../runtime/types.ts";
import type { CloseSignal } from "./close-signal.ts";

export type Bounded<T> = { ok: true; value: T } | { ok: false; reason: string };

export function callBounded<T>(
  timers: Timers,
  timeoutMs: number,
  closed: CloseSignal,
  call: () => Promise<T>,
): Promise<Bounded<T>> {
  return new Promise((resolve) => {
    let settled = false;
    let unsubscribe = () => {};
    const settle = (result: Bounded<T>) => {
      if (settled) return;
      settled = true;
      timer.cancel();
      unsubscribe();
      resolve(result);
    };
    const timer = timers.setTimeout(() => settle({ ok: false, reason: "timeout" }), timeoutMs);
    unsubscribe = closed.onClose(() => settle({ ok: false, reason: "closed" }));
    let pending: Promise<T>;
    try {
      pending = call();
    } catch (err) {
      settle({ ok: false, reason: describe(err) });
      return;
    }
    pending.then(
      (value) => settle({ ok: true, value }),
      (err: unknown) => settle({ ok: false, reason: describe(err) }),
    );
  });
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
