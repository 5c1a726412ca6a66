// The partition boundary for invariants inside the manager's own background work (follower
// effects, AlterPartition answers, ISR and acks timers), as src/broker/partition.ts draws it for
// produce and fetch: a violation takes that one replica offline (`invariant.violated`,
// `partition.offline`) and counts as contained; the rest of the broker carries on. So does an
// error of a replica whose log failed (storage). Any other error is not this boundary's to judge
// and is thrown on.
import { containInvariant, invariantViolationIn } from "../../model/invariant.ts";
import type { ManagerCore } from "./manager-core.ts";
import { resignLeader, type Slot } from "./slot.ts";

export function containIn(core: ManagerCore, slot: Slot, err: unknown): void {
  const violation = invariantViolationIn(err);
  if (violation === null && slot.log.failed) {
    // The replica's log failed (fsync or write error) and every read of it throws: only this
    // replica stops, as the ISR timer does (3-node sim seed 199: an AlterPartition answer read
    // the failed log's end, and the error escaped as an unhandled rejection).
    const role = slot.role;
    if (role.kind === "leader") resignLeader(role);
    slot.role = { kind: "offline", reason: "storage" };
    slot.wake();
    core.logger.warn("partition.offline", "replica taken offline", {
      topic: slot.key.topic,
      partition: slot.key.partition,
      reason: "storage",
    });
    return;
  }
  if (violation === null) throw err;
  containInvariant(violation);
  core.logger.error("invariant.violated", "a replication invariant failed", {
    topic: slot.key.topic,
    partition: slot.key.partition,
    invariant: violation.invariant,
  });
  const role = slot.role;
  if (role.kind === "leader") resignLeader(role);
  slot.role = { kind: "offline", reason: "invariant" };
  slot.wake();
  core.logger.warn("partition.offline", "replica taken offline", {
    topic: slot.key.topic,
    partition: slot.key.partition,
    reason: "invariant",
  });
}

/** Runs fn inside the boundary. */
export function guarded(core: ManagerCore, slot: Slot, fn: () => void): void {
  try {
    fn();
  } catch (err) {
    containIn(core, slot, err);
  }
}
