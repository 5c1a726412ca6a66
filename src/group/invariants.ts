// Invariants of the stored state. The coordinator checks the group it just changed after every
// operation (cheap: linear in the group's partitions); tests and the simulation check them all.
import { PartitionSet } from "./assignment.ts";
import type { GroupStore, GroupTables } from "./group-store.ts";
import { STATIC_LEAVE_EPOCH } from "./types.ts";
import { assert } from "../model/errors.ts";

export function checkStoreInvariants(store: GroupStore): void {
  for (const id of store.groupIds()) checkGroupInvariants(store.group(id)!);
}

export function checkGroupInvariants(g: GroupTables): void {
  const where = `group ${g.groupId}`;
  if (g.members.size > 0) assert(g.metadata !== null, `${where}: members without metadata`);
  // One protocol per group id: a classic group's stored state never sits beside native state.
  if (g.classic !== null) {
    assert(g.metadata === null && g.members.size === 0, `${where}: classic and native at once`);
  }
  for (const id of g.targets.keys()) {
    assert(g.members.has(id), `${where}: target of non-member ${id}`);
  }
  for (const id of g.currents.keys()) {
    assert(g.members.has(id), `${where}: current of non-member ${id}`);
  }
  const targeted = new PartitionSet();
  const held = new PartitionSet();
  for (const id of g.members.keys()) {
    const current = g.currents.get(id);
    assert(current !== undefined, `${where}: member ${id} has no current assignment`);
    const epoch = g.metadata!.epoch;
    assert(current.memberEpoch <= epoch, `${where}: member ${id} is ahead of the group epoch`);
    if (current.pendingRevocation.length > 0) {
      assert(current.memberEpoch !== STATIC_LEAVE_EPOCH, `${where}: ${id} left but still revoking`);
      assert(current.memberEpoch < epoch, `${where}: ${id} revokes at the group epoch`);
    }
    for (const { topic, partitions } of g.targets.get(id)?.partitions ?? []) {
      for (const p of partitions) {
        assert(!targeted.has(topic, p), `${where}: ${topic}-${p} is in two targets`);
        targeted.add(topic, p);
      }
    }
    // The safety property: assigned and pending revocation never overlap between members.
    for (const a of [current.assigned, current.pendingRevocation]) {
      for (const { topic, partitions } of a) {
        for (const p of partitions) {
          assert(!held.has(topic, p), `${where}: ${topic}-${p} has two owners`);
          held.add(topic, p);
        }
      }
    }
  }
}
