// What a perf run is handed: the client's slice of the Runtime, and a counter the progress bar
// reads. Also the helpers every mode shares.

import type { ClientRuntime } from "../client/cluster.ts";
import { Admin } from "../client/admin.ts";
import { TributaryError } from "../model/errors.ts";
import type { PerfOptions } from "./options.ts";

export type PerfRuntime = ClientRuntime;

/** Records done so far; the caller's progress bar reads it. */
export interface PerfProgress {
  done: number;
}

/** Creates the topic with options.partitions unless it exists; returns its partition count. */
export async function ensureTopic(rt: PerfRuntime, options: PerfOptions): Promise<number> {
  const admin = new Admin(rt, {
    bootstrap: options.bootstrap,
    clientId: "tributary-perf",
    requestTimeoutMs: options.requestTimeoutMs,
  });
  try {
    try {
      const topic = await admin.createTopic(options.topic, { partitions: options.partitions });
      return topic.partitions.length;
    } catch (err) {
      if (!(err instanceof TributaryError) || err.code !== "TOPIC_ALREADY_EXISTS") throw err;
    }
    return (await admin.describeTopic(options.topic)).partitions.length;
  } finally {
    await admin.close();
  }
}

/** A value of `size` bytes: printable, so the same bytes work as an HTTP JSON string. */
export function payloadOf(rt: PerfRuntime, size: number): Uint8Array {
  const bytes = rt.random.bytes(size);
  for (let i = 0; i < size; i++) bytes[i] = 0x61 + (bytes[i] % 26);
  return bytes;
}

/** Fails the run when `progress.done` has not moved for idleTimeoutMs. */
export function idleWatchdog(
  rt: PerfRuntime,
  progress: PerfProgress,
  idleTimeoutMs: number,
  onIdle: (err: TributaryError) => void,
): { stop(): void } {
  let last = -1;
  let stopped = false;
  let timer = rt.timers.setTimeout(check, idleTimeoutMs);
  function check(): void {
    if (stopped) return;
    if (progress.done === last) {
      onIdle(
        new TributaryError(
          "REQUEST_TIMED_OUT",
          `no progress for ${idleTimeoutMs} ms (${progress.done} records done)`,
        ),
      );
      return;
    }
    last = progress.done;
    timer = rt.timers.setTimeout(check, idleTimeoutMs);
  }
  return {
    stop() {
      stopped = true;
      timer.cancel();
    },
  };
}
