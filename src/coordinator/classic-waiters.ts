// Classic JoinGroup/SyncGroup requests waiting for their answer, per loaded coordinator: the
// state machine names each wait (waitId) in the step that starts it and answers it in a later
// step's completions, which are delivered here once that step's records are durable. When the
// coordinator is dropped (leadership moved, an append failed) every waiter fails with why.
// Bounded by the members: a member waits at most once for each kind at a time.
import { TributaryError } from "../model/errors.ts";
import type { ClassicCompletion } from "../group/classic/effects.ts";

interface Waiter {
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
  unlisten: () => void;
}

export class ClassicWaiters {
  readonly #waiting = new Map<number, Waiter>();
  #ended: TributaryError | null = null;

  get size(): number {
    return this.#waiting.size;
  }

  /** Registered in the same turn as the step that named waitId, so no completion is missed. */
  add<T>(waitId: number, signal?: AbortSignal): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      if (this.#ended !== null) return reject(this.#ended);
      const onAbort = () => {
        this.#waiting.delete(waitId);
        // The caller gave up (its connection closed, say); it reads no answer.
        reject(new TributaryError("REQUEST_TIMED_OUT", "the request was abandoned"));
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.#waiting.set(waitId, {
        resolve: resolve as (value: unknown) => void,
        reject,
        unlisten: () => signal?.removeEventListener("abort", onAbort),
      });
      if (signal?.aborted) onAbort();
    });
  }

  deliver(completions: readonly ClassicCompletion[]): void {
    for (const c of completions) {
      const waiter = this.#waiting.get(c.waitId);
      // Absent: the caller gave up (aborted); the member learns from its next request.
      if (waiter === undefined) continue;
      this.#waiting.delete(c.waitId);
      waiter.unlisten();
      if (c.kind === "error") waiter.reject(c.error);
      else waiter.resolve(c.response);
    }
  }

  /** Every waiter, now and later, fails with `err`. */
  end(err: TributaryError): void {
    this.#ended ??= err;
    for (const waiter of this.#waiting.values()) {
      waiter.unlisten();
      waiter.reject(err);
    }
    this.#waiting.clear();
  }
}
