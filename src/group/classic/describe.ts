// Listing and describing groups of both protocols: classic groups in the native shapes (so
// `tributary groups describe` and HTTP show them with lag), and both in Kafka's shapes
// (ListGroups, DescribeGroups). Kafka names for native states are KIP-848's.
//
// Classic -> native state: Empty -> empty, PreparingRebalance -> reconciling (members are
// giving partitions up and rejoining), CompletingRebalance -> assigning (waiting for the
// leader's assignment), Stable -> stable.
import type {
  KafkaGroupDescription,
  KafkaGroupListing,
  KafkaGroupState,
} from "./api.ts";
import type {
  GroupDescription,
  GroupListing,
  GroupStateName,
  MemberDescription,
} from "../types.ts";
import { assignmentPartitions, encodeAssignment, subscriptionTopics } from "./consumer-protocol.ts";
import type { ClassicGroup, ClassicMember, ClassicState } from "./group.ts";

const NATIVE_STATE: Record<ClassicState, GroupStateName> = {
  Empty: "empty",
  PreparingRebalance: "reconciling",
  CompletingRebalance: "assigning",
  Stable: "stable",
};

const KAFKA_STATE: Record<GroupStateName, KafkaGroupState> = {
  empty: "Empty",
  assigning: "Assigning",
  reconciling: "Reconciling",
  stable: "Stable",
  dead: "Dead",
};

export function classicListing(g: ClassicGroup): GroupListing {
  return {
    groupId: g.groupId,
    state: NATIVE_STATE[g.state],
    epoch: g.generationId,
    assignor: g.protocolName ?? "",
    memberCount: g.members.size,
  };
}

export function classicDescription(g: ClassicGroup): GroupDescription {
  const consumer = g.protocolType === "consumer";
  const members = sortedMembers(g).map((m): MemberDescription => {
    const assignment = consumer ? assignmentPartitions(m.assignment) : [];
    return {
      memberId: m.memberId,
      instanceId: m.groupInstanceId,
      clientId: m.clientId,
      state: g.state === "Stable" ? "stable" : "awaitingHeartbeat",
      memberEpoch: g.generationId,
      subscribedTopics: consumer ? subscriptionTopics(g.metadataOf(m)) : [],
      sessionTimeoutMs: m.sessionTimeoutMs,
      rebalanceTimeoutMs: m.rebalanceTimeoutMs,
      assignment,
      pendingRevocation: [],
      targetAssignment: assignment,
    };
  });
  return { ...classicListing(g), members };
}

export function classicKafkaListing(g: ClassicGroup): KafkaGroupListing {
  return {
    groupId: g.groupId,
    protocolType: g.protocolType ?? "",
    state: g.state,
    groupType: "classic",
  };
}

export function classicKafkaDescription(g: ClassicGroup): KafkaGroupDescription {
  return {
    groupId: g.groupId,
    state: g.state,
    protocolType: g.protocolType ?? "",
    protocolName: g.protocolName ?? "",
    members: sortedMembers(g).map((m) => ({
      memberId: m.memberId,
      groupInstanceId: m.groupInstanceId,
      clientId: m.clientId,
      clientHost: m.clientHost,
      metadata: g.metadataOf(m),
      assignment: m.assignment,
    })),
  };
}

export function nativeKafkaListing(l: GroupListing): KafkaGroupListing {
  return {
    groupId: l.groupId,
    protocolType: "consumer",
    state: KAFKA_STATE[l.state],
    groupType: "consumer",
  };
}

export function nativeKafkaDescription(d: GroupDescription): KafkaGroupDescription {
  return {
    groupId: d.groupId,
    state: KAFKA_STATE[d.state],
    protocolType: "consumer",
    protocolName: d.assignor,
    members: d.members.map((m) => ({
      memberId: m.memberId,
      groupInstanceId: m.instanceId,
      clientId: m.clientId,
      clientHost: "",
      metadata: new Uint8Array(),
      assignment: encodeAssignment(m.assignment),
    })),
  };
}

export function deadKafkaDescription(groupId: string): KafkaGroupDescription {
  return { groupId, state: "Dead", protocolType: "", protocolName: "", members: [] };
}

function sortedMembers(g: ClassicGroup): ClassicMember[] {
  return [...g.members.values()].sort((a, b) =>
    a.memberId < b.memberId ? -1 : a.memberId > b.memberId ? 1 : 0
  );
}
