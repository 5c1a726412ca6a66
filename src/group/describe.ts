// Group and member states for listing and describing (KIP-848's names):
//   empty        no members
//   assigning    some member has no target at the group epoch (transient: this coordinator
//                assigns in the same batch as the bump, so it is never seen between operations)
//   reconciling  some member is not yet at its target
//   stable       every member owns exactly its target at the group epoch
//   dead         the group does not exist (groupState of an unknown id)
import { assignmentEquals } from "./assignment.ts";
import type { GroupStore, GroupTables } from "./group-store.ts";
import { currentOf, targetOf } from "./members.ts";
import {
  type GroupDescription,
  type GroupListing,
  type GroupStateName,
  type MemberDescription,
  type MemberStateName,
  STATIC_LEAVE_EPOCH,
} from "./types.ts";
import { TributaryError } from "../model/errors.ts";

export function memberState(g: GroupTables, memberId: string): MemberStateName {
  const current = currentOf(g, memberId);
  if (current.memberEpoch === STATIC_LEAVE_EPOCH) return "staticLeft";
  if (current.pendingRevocation.length > 0) return "unrevokedPartitions";
  if (current.memberEpoch !== g.metadata?.epoch) return "awaitingHeartbeat";
  return assignmentEquals(current.assigned, targetOf(g, memberId))
    ? "stable"
    : "unreleasedPartitions";
}

export function groupState(store: GroupStore, groupId: string): GroupStateName {
  const g = store.group(groupId);
  if (g === undefined || g.metadata === null) return "dead";
  if (g.members.size === 0) return "empty";
  for (const id of g.members.keys()) if (!g.targets.has(id)) return "assigning";
  for (const id of g.members.keys()) {
    const state = memberState(g, id);
    // A static member away keeps its partitions; the group is settled if they are its target.
    const settled = state === "stable" ||
      (state === "staticLeft" && assignmentEquals(currentOf(g, id).assigned, targetOf(g, id)));
    if (!settled) return "reconciling";
  }
  return "stable";
}

export function listGroups(store: GroupStore): GroupListing[] {
  return store.groupIds().flatMap((groupId) => {
    const g = store.group(groupId)!;
    if (g.metadata === null) return [];
    return [{
      groupId,
      state: groupState(store, groupId),
      epoch: g.metadata.epoch,
      assignor: g.metadata.assignor,
      memberCount: g.members.size,
    }];
  });
}

export function describeGroup(store: GroupStore, groupId: string): GroupDescription {
  const g = store.group(groupId);
  if (g === undefined || g.metadata === null) {
    throw new TributaryError("GROUP_ID_NOT_FOUND", `no group ${groupId}`);
  }
  const members: MemberDescription[] = [...g.members.values()]
    .sort((a, b) => (a.memberId < b.memberId ? -1 : a.memberId > b.memberId ? 1 : 0))
    .map((m) => {
      const current = currentOf(g, m.memberId);
      return {
        memberId: m.memberId,
        instanceId: m.instanceId,
        clientId: m.clientId,
        state: memberState(g, m.memberId),
        memberEpoch: current.memberEpoch,
        subscribedTopics: [...m.subscribedTopics],
        sessionTimeoutMs: m.sessionTimeoutMs,
        rebalanceTimeoutMs: m.rebalanceTimeoutMs,
        assignment: current.assigned,
        pendingRevocation: current.pendingRevocation,
        targetAssignment: targetOf(g, m.memberId),
      };
    });
  return {
    groupId,
    state: groupState(store, groupId),
    epoch: g.metadata.epoch,
    assignor: g.metadata.assignor,
    members,
  };
}
