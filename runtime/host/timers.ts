// Real timers on the global setTimeout, which Node, Deno and Bun all provide.
import { IoErrorCode, RuntimeIoError, type TimerHandle, type Timers } from "../types.ts";

// setTimeout stores delays as a signed 32-bit count; anything longer fires at once on every host.
const timerDelayMsMax = 2 ** 31 - 1;

function checkDelay(delayMs: number): void {
  if (!(delayMs >= 0 && delayMs <= timerDelayMsMax)) {
    throw new RuntimeIoError(
      IoErrorCode.Invalid,
      `timer delay ${delayMs} ms is outside [0, ${timerDelayMsMax}]`,
    );
  }
}

export function createHostTimers(): Timers {
  return {
    setTimeout(fn: () => void, delayMs: number): TimerHandle {
      checkDelay(delayMs);
      const id = setTimeout(fn, delayMs);
      return { cancel: () => clearTimeout(id) };
    },
    sleep(delayMs: number, signal?: AbortSignal): Promise<void> {
      checkDelay(delayMs);
      return new Promise<void>((resolve, reject) => {
        if (signal?.aborted) {
          reject(signal.reason);
          return;
        }
        const onAbort = () => {
          clearTimeout(id);
          reject(signal?.reason);
        };
        const id = setTimeout(() => {
          signal?.removeEventListener("abort", onAbort);
          resolve();
        }, delayMs);
        signal?.addEventListener("abort", onAbort, { once: true });
      });
    },
  };
}
