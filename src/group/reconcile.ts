// One step of a member's current assignment toward its target: the heart of the no-two-owners
// guarantee (docs/groups.md, "Safety").
//
// - While partitions are pending revocation nothing else changes and the member keeps its old
//   epoch; the revocation completes when the member reports owned partitions without them.
// - Partitions of the member's assignment that are no longer in its target become pending
//   revocation (and leave the assignment the member is told about), again at the old epoch.
// - Only with nothing left to revoke does the member move to the target epoch, and it receives
//   new partitions only when no other member holds them (assigned or pending revocation).
import {
  type Assignment,
  assignmentEquals,
  assignmentIntersect,
  assignmentMinus,
  assignmentUnion,
  filterAssignment,
} from "./assignment.ts";

export interface MemberAssignment {
  memberEpoch: number;
  previousMemberEpoch: number;
  assigned: Assignment;
  pendingRevocation: Assignment;
}

export interface ReconcileInput {
  current: MemberAssignment;
  targetEpoch: number;
  target: Assignment;
  /** What the member reported owning with this heartbeat; null when it did not say. */
  owned: Assignment | null;
  /** True when another member of the group holds the partition (assigned or pending). */
  heldByOther: (topic: string, partition: number) => boolean;
}

export function reconcile(input: ReconcileInput): MemberAssignment {
  const { current, targetEpoch, target, owned } = input;
  if (current.pendingRevocation.length > 0) {
    const released = owned !== null &&
      assignmentIntersect(owned, current.pendingRevocation).length === 0;
    if (!released) return current;
  }
  const { memberEpoch, previousMemberEpoch, assigned } = current;
  const revoke = assignmentMinus(assigned, target);
  if (revoke.length > 0) {
    return {
      memberEpoch,
      previousMemberEpoch,
      assigned: assignmentIntersect(assigned, target),
      pendingRevocation: revoke,
    };
  }
  const wanted = assignmentMinus(target, assigned);
  const free = filterAssignment(wanted, (t, p) => !input.heldByOther(t, p));
  const next: MemberAssignment = {
    memberEpoch: targetEpoch,
    previousMemberEpoch: memberEpoch === targetEpoch ? previousMemberEpoch : memberEpoch,
    assigned: assignmentUnion(assigned, free),
    pendingRevocation: [],
  };
  return sameAssignment(current, next) ? current : next;
}

export function sameAssignment(a: MemberAssignment, b: MemberAssignment): boolean {
  return a.memberEpoch === b.memberEpoch && a.previousMemberEpoch === b.previousMemberEpoch &&
    assignmentEquals(a.assigned, b.assigned) &&
    assignmentEquals(a.pendingRevocation, b.pendingRevocation);
}
