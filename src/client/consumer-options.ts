// The Consumer's options and their defaults, apart from the class so the fetch loop and the
// group glue can take the resolved values without importing the Consumer itself.

import type { ClusterOptions } from "./cluster.ts";
import type { GroupClient } from "./group-client.ts";
import type { RebalanceCallback } from "./group-session.ts";

export type OffsetResetPolicy = "earliest" | "latest" | "none";

export interface ConsumerOptions extends ClusterOptions, GroupConsumerOptions {
  /** Where to start without a position, or after OFFSET_OUT_OF_RANGE (default "latest"). */
  autoOffsetReset?: OffsetResetPolicy;
  /** How long the broker may hold a Fetch waiting for data. */
  fetchMaxWaitMs?: number;
  fetchMinBytes?: number;
  /** Cap on one Fetch response. */
  fetchMaxBytes?: number;
  /** Cap per partition in one Fetch (at least one whole batch is returned regardless). */
  partitionFetchBytesMax?: number;
  /** Prefetching stops while this many records are buffered. */
  bufferedRecordsMax?: number;
  /** Records one poll() returns at most. */
  maxPollRecords?: number;
  /**
   * Failed fetches in a row retried quietly (moved leader, dropped connection, timeout) before
   * poll() reports the error; the fetch loop goes on retrying after that too.
   */
  retries?: number;
}

/** With a groupId, the consumer is a member of that group (docs/groups.md). */
export interface GroupConsumerOptions {
  /** Join this group; partitions are then assigned by its coordinator (assign() is refused). */
  groupId?: string;
  /** Topics to subscribe to; required with groupId. */
  topics?: readonly string[];
  /** The coordinator removes a member not heard from for this long (broker default 45 s). */
  sessionTimeoutMs?: number;
  /** How long a revocation (commit and onPartitionsRevoked) may take (broker default 5 min). */
  rebalanceTimeoutMs?: number;
  /** Static membership: a restart within the session timeout keeps the partitions. */
  instanceId?: string;
  /** "sticky" (broker default), "range" or "round-robin"; the group's first member decides. */
  assignor?: string;
  /** Commit processed positions every autoCommitIntervalMs, on revocation and on close (default true). */
  enableAutoCommit?: boolean;
  autoCommitIntervalMs?: number;
  /** After committed offsets are known, before fetching starts; may seek(). */
  onPartitionsAssigned?: RebalanceCallback;
  /** After fetching stopped and (with auto-commit) positions were committed. */
  onPartitionsRevoked?: RebalanceCallback;
  /** Fenced: the partitions are already someone else's; nothing was committed (default: onPartitionsRevoked). */
  onPartitionsLost?: RebalanceCallback;
  /** Replaces the group operations on the wire (tests). */
  groupClient?: GroupClient;
}

/** The fetch and poll settings with every default filled in. */
export type FetchSettings =
  & Required<Omit<ConsumerOptions, keyof ClusterOptions | keyof GroupConsumerOptions>>
  & { retryBackoffMs: number };

export function fetchSettings(options: ConsumerOptions): FetchSettings {
  return {
    autoOffsetReset: options.autoOffsetReset ?? "latest",
    fetchMaxWaitMs: options.fetchMaxWaitMs ?? 500,
    fetchMinBytes: options.fetchMinBytes ?? 1,
    fetchMaxBytes: options.fetchMaxBytes ?? 8 * 1024 * 1024,
    partitionFetchBytesMax: options.partitionFetchBytesMax ?? 1024 * 1024,
    bufferedRecordsMax: options.bufferedRecordsMax ?? 20_000,
    maxPollRecords: options.maxPollRecords ?? 500,
    retryBackoffMs: options.retryBackoffMs ?? 100,
    retries: options.retries ?? 10,
  };
}
