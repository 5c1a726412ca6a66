// Every change to group state is one of these records. The shell appends them to the compacted
// `__consumer_offsets` topic and GroupStore.apply() is the single place that interprets them, so a
// coordinator can be rebuilt anywhere by replaying the topic.
//
// Each record has a key (GroupRecordKey) and a value. State is a pure function of the latest
// value per key (a Tombstone, value null, deletes the key), which is exactly what log
// compaction preserves: replaying a compacted log gives the same state as the full log.
import type { Assignment } from "./assignment.ts";

/** Group epoch, assignor and the partition counts its current target assignment was built from. */
export interface GroupMetadataRecord {
  type: "GroupMetadata";
  groupId: string;
  epoch: number;
  assignor: string;
  /** Subscribed topics that existed at the last assignment, ascending by topic. */
  topics: TopicPartitionCount[];
}

export interface TopicPartitionCount {
  topic: string;
  partitionCount: number;
}

/** A member's identity and subscription; written on join and when the subscription changes. */
export interface MemberRecord {
  type: "Member";
  groupId: string;
  memberId: string;
  instanceId: string | null;
  clientId: string;
  /** Ascending, unique. */
  subscribedTopics: string[];
  sessionTimeoutMs: number;
  rebalanceTimeoutMs: number;
}

/** What the assignor wants the member to own; epoch = group epoch when it last changed. */
export interface TargetAssignmentRecord {
  type: "TargetAssignment";
  groupId: string;
  memberId: string;
  epoch: number;
  partitions: Assignment;
}

/**
 * What the member owns now (as far as the coordinator has told it) and what it has been asked
 * to give up but has not yet confirmed. memberEpoch -2 marks a static member that left and
 * whose partitions are kept for its return.
 */
export interface CurrentAssignmentRecord {
  type: "CurrentAssignment";
  groupId: string;
  memberId: string;
  memberEpoch: number;
  previousMemberEpoch: number;
  assigned: Assignment;
  pendingRevocation: Assignment;
}

export interface OffsetCommitRecord {
  type: "OffsetCommit";
  groupId: string;
  topic: string;
  partition: number;
  offset: number;
  leaderEpoch: number | null;
  metadata: string | null;
  commitTimestampMs: number;
}

/**
 * A classic (JoinGroup/SyncGroup) group as of its last completed generation or membership
 * change (Kafka's GroupMetadataValue): the whole group in one value, so one record per change.
 * A rebalance in progress lives only in memory; a coordinator that loads this record restores
 * the group as Stable (or Empty without members) and its members keep heartbeating.
 */
export interface ClassicGroupRecord {
  type: "ClassicGroup";
  groupId: string;
  protocolType: string;
  generationId: number;
  /** null for an Empty group. */
  protocolName: string | null;
  leaderId: string | null;
  /** When the group last changed state. */
  stateTimestampMs: number;
  members: ClassicMemberEntry[];
}

export interface ClassicMemberEntry {
  memberId: string;
  groupInstanceId: string | null;
  clientId: string;
  clientHost: string;
  rebalanceTimeoutMs: number;
  sessionTimeoutMs: number;
  /** The member's metadata for the chosen protocol (Kafka keeps only that one too). */
  metadata: Uint8Array;
  assignment: Uint8Array;
}

export type GroupRecordKey =
  | { type: "GroupMetadata"; groupId: string }
  | { type: "ClassicGroup"; groupId: string }
  | { type: "Member" | "TargetAssignment" | "CurrentAssignment"; groupId: string; memberId: string }
  | { type: "OffsetCommit"; groupId: string; topic: string; partition: number };

/** Deletes whatever the key held (null value in the log). */
export interface GroupTombstone {
  type: "Tombstone";
  key: GroupRecordKey;
}

export type GroupValueRecord =
  | GroupMetadataRecord
  | MemberRecord
  | TargetAssignmentRecord
  | CurrentAssignmentRecord
  | OffsetCommitRecord
  | ClassicGroupRecord;

export type GroupRecord = GroupValueRecord | GroupTombstone;

export function groupRecordKey(record: GroupRecord): GroupRecordKey {
  switch (record.type) {
    case "Tombstone":
      return record.key;
    case "GroupMetadata":
    case "ClassicGroup":
      return { type: record.type, groupId: record.groupId };
    case "Member":
    case "TargetAssignment":
    case "CurrentAssignment":
      return { type: record.type, groupId: record.groupId, memberId: record.memberId };
    case "OffsetCommit":
      return {
        type: record.type,
        groupId: record.groupId,
        topic: record.topic,
        partition: record.partition,
      };
  }
}

export function tombstone(key: GroupRecordKey): GroupTombstone {
  return { type: "Tombstone", key };
}
