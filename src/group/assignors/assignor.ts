// Server-side assignors: pure functions from the group's members and the partition counts of the
// topics they subscribe to, to a target assignment per member. They must be deterministic (the
// same input gives the same output on every coordinator), so inputs are sorted here first.
import { type Assignment, compareStrings, type TopicPartition } from "../assignment.ts";
import { assert } from "../../model/errors.ts";

export interface AssignorMember {
  readonly memberId: string;
  /** Static members are ordered by instance id so their assignment survives a restart. */
  readonly instanceId: string | null;
  readonly subscribedTopics: readonly string[];
  /** The member's current target assignment; sticky assignors keep what they can of it. */
  readonly assignment: Assignment;
}

export interface AssignmentSpec {
  readonly members: readonly AssignorMember[];
  /** Partition counts of existing topics; subscribed topics missing here are ignored. */
  readonly partitionCounts: ReadonlyMap<string, number>;
}

export interface Assignor {
  /** The name members ask for and GroupMetadataRecord stores. */
  readonly name: string;
  /** One entry per member (possibly empty); every subscribed partition goes to one member. */
  assign(spec: AssignmentSpec): Map<string, Assignment>;
}

/**
 * Kafka's member order: static members first, by instance id; then dynamic ones by member id.
 * Member ids change on every restart, instance ids do not.
 */
export function compareMembers(a: AssignorMember, b: AssignorMember): number {
  if (a.instanceId !== null && b.instanceId !== null) {
    return compareStrings(a.instanceId, b.instanceId) || compareStrings(a.memberId, b.memberId);
  }
  if (a.instanceId !== null) return -1;
  if (b.instanceId !== null) return 1;
  return compareStrings(a.memberId, b.memberId);
}

export function sortedMembers(spec: AssignmentSpec): AssignorMember[] {
  const members = [...spec.members].sort(compareMembers);
  for (let i = 1; i < members.length; i++) {
    assert(members[i - 1].memberId !== members[i].memberId, "duplicate member id in assignment");
  }
  return members;
}

/** Subscribed topics that exist, ascending. */
export function subscribedTopics(spec: AssignmentSpec): string[] {
  const topics = new Set<string>();
  for (const member of spec.members) {
    for (const topic of member.subscribedTopics) {
      if ((spec.partitionCounts.get(topic) ?? 0) > 0) topics.add(topic);
    }
  }
  return [...topics].sort(compareStrings);
}

/** Every partition of every subscribed topic, in (topic, partition) order. */
export function subscribedPartitions(spec: AssignmentSpec): TopicPartition[] {
  const all: TopicPartition[] = [];
  for (const topic of subscribedTopics(spec)) {
    const count = spec.partitionCounts.get(topic)!;
    for (let partition = 0; partition < count; partition++) all.push({ topic, partition });
  }
  return all;
}

export function subscriptionSets(members: readonly AssignorMember[]): Map<string, Set<string>> {
  return new Map(members.map((m) => [m.memberId, new Set(m.subscribedTopics)]));
}
