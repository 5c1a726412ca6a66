// Helpers for the consumer-group end-to-end suites: group consumers in the vitest process
// against a broker process, a consumer that can be frozen (its heartbeats stop reaching the
// coordinator, like a process that hangs or was killed without leaving), a seeded PRNG, and
// bounded waits.
import { createNodeRuntime } from "../../runtime/node/mod.ts";
import { ClusterClient } from "../../src/client/cluster.ts";
import { Consumer, type ConsumerOptions, type TopicPartition } from "../../src/client/consumer.ts";
import { type GroupClient, WireGroupClient } from "../../src/client/group-client.ts";
import { TributaryError } from "../../src/model/errors.ts";

export const rt = createNodeRuntime();

export function groupConsumer(
  bootstrap: string,
  options: Omit<ConsumerOptions, "bootstrap">,
): Consumer {
  return new Consumer(rt, { bootstrap, fetchMaxWaitMs: 100, retryBackoffMs: 20, ...options });
}

export interface Freezable {
  readonly client: GroupClient;
  /** From now on no heartbeat reaches the coordinator (commits and fetches still do). */
  freeze(): void;
}

/** The wire group client with a switch that cuts its heartbeats off. */
export function freezableGroupClient(bootstrap: string, groupId: string): Freezable {
  const wire = new WireGroupClient(new ClusterClient(rt, { bootstrap }), groupId);
  let frozen = false;
  return {
    freeze: () => void (frozen = true),
    client: {
      heartbeat: (body) =>
        frozen
          ? Promise.reject(new TributaryError("NETWORK_EXCEPTION", "frozen by the test"))
          : wire.heartbeat(body),
      commit: (body) => wire.commit(body),
      fetchOffsets: (body) => wire.fetchOffsets(body),
    },
  };
}

/** Polls check every 20 ms until it holds; fails after timeoutMs. Returns the time taken. */
export async function waitUntil(
  what: string,
  check: () => boolean | Promise<boolean>,
  timeoutMs: number,
): Promise<number> {
  const started = Date.now();
  while (!(await check())) {
    if (Date.now() - started > timeoutMs) {
      throw new Error(`timed out after ${timeoutMs} ms: ${what}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  return Date.now() - started;
}

export const tpName = (tp: TopicPartition) => `${tp.topic}-${tp.partition}`;

/** mulberry32: small, seeded, good enough to pick test actions reproducibly. */
export function seededRandom(seed: number): { int(n: number): number } {
  let a = seed >>> 0;
  return {
    int(n: number): number {
      a = (a + 0x6d2b79f5) >>> 0;
      let t = a;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * n);
    },
  };
}
