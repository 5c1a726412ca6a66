// The in-sync replica set as the leader sees it while an AlterPartition is in flight, after
// Kafka's KIP-497 and KIP-841. The leader never applies an ISR change itself: it proposes one to
// the controller and applies it when the controller's committed change comes back (in the
// AlterPartition answer or in the metadata log, whichever comes first). Until then:
//
// - the MAXIMAL ISR (committed plus a pending addition; a pending removal still counted) is what
//   the high watermark waits for. A replica being added may be in the committed ISR (and so
//   electable) before the leader hears of it; a replica being removed stays electable until the
//   removal commits. Either may be the next leader, so each must hold everything below the HW.
// - the MINIMAL ISR (committed minus a pending removal; a pending addition not counted) is what
//   min.insync.replicas is checked against: only replicas that stay electable whichever way the
//   proposal goes count towards the copies an acks=all acknowledgement promises.
//
// One proposal at a time: Kafka's rule, and what keeps the two sets this simple.
import { assert } from "../model/errors.ts";

export type PendingIsrChange =
  | { kind: "expand"; replicaId: number; isr: readonly number[] }
  | { kind: "shrink"; replicaIds: readonly number[]; isr: readonly number[] };

export interface IsrState {
  /** The ISR as last committed by the controller. */
  committed: readonly number[];
  pending: PendingIsrChange | null;
}

export function maximalIsr(state: IsrState): readonly number[] {
  const pending = state.pending;
  if (pending === null || pending.kind === "shrink") return state.committed;
  return [...state.committed, pending.replicaId];
}

export function minimalIsr(state: IsrState): readonly number[] {
  const pending = state.pending;
  if (pending === null || pending.kind === "expand") return state.committed;
  return state.committed.filter((id) => !pending.replicaIds.includes(id));
}

export function proposeExpand(state: IsrState, replicaId: number): IsrState {
  assert(state.pending === null, "one ISR change in flight at a time");
  assert(!state.committed.includes(replicaId), "an expansion adds a replica outside the ISR");
  const isr = [...state.committed, replicaId].sort((a, b) => a - b);
  return { committed: state.committed, pending: { kind: "expand", replicaId, isr } };
}

export function proposeShrink(state: IsrState, replicaIds: readonly number[]): IsrState {
  assert(state.pending === null, "one ISR change in flight at a time");
  assert(replicaIds.length > 0, "a shrink removes at least one replica");
  for (const id of replicaIds) assert(state.committed.includes(id), "a shrink removes ISR members");
  const isr = state.committed.filter((id) => !replicaIds.includes(id));
  return { committed: state.committed, pending: { kind: "shrink", replicaIds, isr } };
}
