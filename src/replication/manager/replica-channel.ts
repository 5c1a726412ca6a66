// What the replica manager sends to other cluster members: fetches and OffsetForLeaderEpoch to
// partition leaders, AlterPartition to the active controller. The broker wires it to its peer
// connections; the tests to an in-process network with faults. Every promise may reject (a
// network error) or never settle (a lost message): the manager bounds each call itself.
import type {
  AlterPartitionReply,
  AlterPartitionRequest,
  EpochEndQuery,
  EpochEndReply,
  ReplicaFetchReply,
  ReplicaFetchRequest,
} from "../../model/cluster.ts";

export interface EpochEndBatch {
  replicaId: number;
  partitions: EpochEndQuery[];
}

export interface ReplicaChannel {
  fetch(leaderId: number, request: ReplicaFetchRequest): Promise<ReplicaFetchReply>;
  epochEnd(leaderId: number, request: EpochEndBatch): Promise<{ partitions: EpochEndReply[] }>;
  alterPartition(request: AlterPartitionRequest): Promise<AlterPartitionReply>;
}
