// How the manager names a partition: the fetch protocol names topics, AlterPartition names
// topic ids, so the broker hands both.
import type { CommittedPartition } from "../../model/cluster.ts";
import type { CommittedPartitionState } from "../messages.ts";

export interface PartitionKey {
  topic: string;
  topicId: string;
  partition: number;
}

/** The map key of a partition (topic names cannot hold NUL). */
export function partitionId(topic: string, partition: number): string {
  return `${topic}\u0000${partition}`;
}

export function toCommittedState(state: CommittedPartition): CommittedPartitionState {
  return {
    leaderId: state.leader,
    leaderEpoch: state.leaderEpoch,
    partitionEpoch: state.partitionEpoch,
    replicas: state.replicas,
    isr: state.isr,
  };
}
