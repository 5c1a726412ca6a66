// Invariants of a live classic group, checked after every operation on it (linear in its
// members) and by the tests after every step. A failure is a bug, never an answer.
import type { ClassicGroup } from "./group.ts";
import { assert } from "../../model/errors.ts";

export function checkClassicGroup(g: ClassicGroup): void {
  const where = `classic group ${g.groupId}`;
  const settled = g.state === "CompletingRebalance" || g.state === "Stable";
  if (g.state === "Empty") assert(g.members.size === 0, `${where}: Empty with members`);
  if (settled) {
    assert(g.members.size > 0, `${where}: ${g.state} without members`);
    assert(g.leaderId !== null && g.members.has(g.leaderId), `${where}: leader not a member`);
    assert(g.protocolName !== null, `${where}: ${g.state} without a protocol`);
  }
  if (g.members.size > 0) {
    assert(g.leaderId !== null && g.members.has(g.leaderId), `${where}: leader not a member`);
  }
  for (const m of g.members.values()) {
    const at = `${where}: member ${m.memberId}`;
    assert(
      m.joinWaitId === null || g.state === "PreparingRebalance",
      `${at} waits to join in ${g.state}`,
    );
    assert(
      m.syncWaitId === null || g.state === "CompletingRebalance",
      `${at} waits to sync in ${g.state}`,
    );
    if (settled) {
      assert(m.protocols.some((p) => p.name === g.protocolName), `${at} lacks the protocol`);
    }
    if (m.groupInstanceId !== null) {
      assert(g.instances.get(m.groupInstanceId) === m.memberId, `${at}: instance not mapped`);
    }
    assert(!g.pending.has(m.memberId), `${at} is also pending`);
  }
  for (const [instanceId, memberId] of g.instances) {
    assert(
      g.members.get(memberId)?.groupInstanceId === instanceId,
      `${where}: instance ${instanceId} maps to a non-member`,
    );
  }
}
