// What `GET /v1/health` and the metrics say about storage: partitions offline (their log could
// not be opened, or failed while serving) and partitions whose writes are degraded (the disk is
// full: reads serve, appends fail until a write succeeds again). The broker is "degraded" while
// any partition is either; it still answers, so the status is a field, not the HTTP status.
import type { Partition } from "./partition.ts";

export interface PartitionProblem {
  topic: string;
  partition: number;
  /** The KAFKA_STORAGE_ERROR message requests to the partition get. */
  reason: string;
}

export interface LogDirHealth {
  path: string;
  status: "ok" | "degraded";
  /** Partitions of this dir that cannot take writes (offline ones included). */
  partitionsDegraded: number;
}

export interface BrokerHealth {
  status: "ok" | "degraded";
  logDirs: LogDirHealth[];
  /** Every request to these fails with KAFKA_STORAGE_ERROR. */
  offlinePartitions: PartitionProblem[];
  /** Reads serve; appends fail with KAFKA_STORAGE_ERROR until a write succeeds again. */
  writeDegradedPartitions: PartitionProblem[];
}

export function brokerHealth(partitions: Iterable<Partition>, dataDir: string): BrokerHealth {
  const offline: PartitionProblem[] = [];
  const degraded: PartitionProblem[] = [];
  for (const p of partitions) {
    if (p.closed) continue;
    const where = { topic: p.topic, partition: p.partition };
    const down = p.offlineReason;
    if (down !== null) {
      offline.push({ ...where, reason: down.message });
      continue;
    }
    const writes = p.writeDegraded;
    if (writes !== null) degraded.push({ ...where, reason: writes.message });
  }
  const problems = offline.length + degraded.length;
  const status = problems > 0 ? "degraded" : "ok";
  return {
    status,
    logDirs: [{ path: dataDir, status, partitionsDegraded: problems }],
    offlinePartitions: offline,
    writeDegradedPartitions: degraded,
  };
}
