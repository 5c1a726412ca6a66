// The shapes a MetadataImage hands out. Readers treat them as read-only: an image that has been
// published to listeners (committed-image.ts) is never changed again, and neither are these.
import type { BrokerEndpoint } from "./cluster-records.ts";

export interface PartitionImage {
  partition: number;
  replicas: number[];
  /** In-sync replicas, in the order the leader reported them. */
  isr: number[];
  /** NO_LEADER (-1) when none is eligible. */
  leader: number;
  /** Bumped by every leader election (KIP-101: followers truncate by it). */
  leaderEpoch: number;
  /** Bumped by every change; a change computed from an older one is stale. */
  partitionEpoch: number;
  /**
   * A reassignment in progress (both or neither): the replicas it moves to, and those it added
   * to `replicas` (which is then the original list followed by these).
   */
  targetReplicas?: number[];
  addingReplicas?: number[];
}

export interface TopicImage {
  name: string;
  topicId: string;
  internal: boolean;
  /** Indexed by partition number, dense from 0. */
  partitions: PartitionImage[];
  /** Explicit configs only; defaults are applied by the reader. */
  configs: Record<string, string>;
}

export interface BrokerImage {
  brokerId: number;
  incarnationId: string;
  endpoints: BrokerEndpoint[];
  rack: string | null;
  fenced: boolean;
}
