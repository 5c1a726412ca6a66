// The replica manager's knobs, with Kafka's names where one exists (docs/replication.md).
import { CLUSTER_DEFAULTS } from "../../model/cluster.ts";
import { assert } from "../../model/errors.ts";

export interface ReplicaManagerConfig {
  /** replica.lag.time.max.ms: an ISR member not caught up for this long is dropped. */
  replicaLagTimeMaxMs: number;
  /** How often the leader looks for ISR members to drop (Kafka: half the lag time). */
  isrCheckIntervalMs: number;
  /** replica.fetch.wait.max.ms: a follower's fetch waits this long at the leader's log end. */
  replicaFetchWaitMaxMs: number;
  /** replica.fetch.max.bytes, for one fetch over every partition. */
  replicaFetchBytesMax: number;
  /** replica.fetch.min.bytes. */
  replicaFetchMinBytes: number;
  /** replica.fetch.backoff.ms: after an error before the next try. */
  replicaFetchBackoffMs: number;
  /** A call on the channel with no answer by then counts as lost (the fetch wait on top). */
  requestTimeoutMs: number;
  /** Follower fetches the leader may hold parked at its log end at once. */
  parkedFetchesMax: number;
  /** acks=all produces waiting for the HW, per partition. */
  acksWaitersMax: number;
}

export const REPLICA_MANAGER_DEFAULTS: Readonly<ReplicaManagerConfig> = Object.freeze({
  replicaLagTimeMaxMs: CLUSTER_DEFAULTS.replicaLagTimeMaxMs,
  isrCheckIntervalMs: CLUSTER_DEFAULTS.replicaLagTimeMaxMs / 2,
  replicaFetchWaitMaxMs: CLUSTER_DEFAULTS.replicaFetchWaitMaxMs,
  replicaFetchBytesMax: CLUSTER_DEFAULTS.replicaFetchBytesMax,
  replicaFetchMinBytes: 1,
  replicaFetchBackoffMs: 100,
  requestTimeoutMs: 5_000,
  parkedFetchesMax: 1_000,
  acksWaitersMax: 10_000,
});

export function resolveReplicaManagerConfig(
  given: Partial<ReplicaManagerConfig>,
): ReplicaManagerConfig {
  const lag = given.replicaLagTimeMaxMs ?? REPLICA_MANAGER_DEFAULTS.replicaLagTimeMaxMs;
  const config: ReplicaManagerConfig = {
    ...REPLICA_MANAGER_DEFAULTS,
    isrCheckIntervalMs: Math.max(1, Math.floor(lag / 2)),
    ...given,
  };
  for (const [name, value] of Object.entries(config)) {
    assert(Number.isSafeInteger(value) && value >= 0, `${name} is a non-negative integer`);
  }
  assert(config.isrCheckIntervalMs > 0, "isrCheckIntervalMs > 0");
  assert(config.replicaFetchBytesMax > 0, "replicaFetchBytesMax > 0");
  assert(config.acksWaitersMax > 0, "acksWaitersMax > 0");
  return config;
}
