// What the group simulation asserts.
//
// checkOwnership (after every operation): no partition is held by two clients. A client's
// holding counts while the coordinator still has it as a member: a member the coordinator has
// removed (session or rebalance timeout) is fenced, and anything it does with its partitions is
// refused from then on (the zombie commits in the workload check that). Also, whatever a live
// client holds, the coordinator attributes to it (assigned or pending revocation): that is what
// keeps the coordinator from handing it to anyone else.
//
// checkSettled (after the run and a quiet period): the coordinator's members are exactly the
// active clients, every partition of every subscribed topic is held by exactly one of them (one
// subscribed to its topic), each holds exactly its target at the group epoch, and the group is
// stable.
import type { GroupWorkload } from "./group-workload.ts";
import { GROUP, keysOf } from "./sim-client.ts";

export function checkOwnership(w: GroupWorkload): void {
  const live = w.liveMemberIds();
  if (live.size === 0) return;
  const attributed = new Map(
    w.c.describeGroup(GROUP).members.map((
      m,
    ) => [m.memberId, new Set(keysOf([...m.assignment, ...m.pendingRevocation]))]),
  );
  const owner = new Map<string, string>();
  for (const client of w.clients) {
    if (!live.has(client.memberId)) continue;
    for (const k of client.held()) {
      const other = owner.get(k);
      if (other !== undefined) throw new Error(`${k} is held by ${other} and ${client.label}`);
      owner.set(k, client.label);
      if (!attributed.get(client.memberId)!.has(k)) {
        throw new Error(`${client.label} holds ${k} but the coordinator does not attribute it`);
      }
    }
  }
}

export function checkSettled(w: GroupWorkload): void {
  const active = w.activeClients();
  const live = w.liveMemberIds();
  const activeIds = new Set(active.map((c) => c.memberId));
  for (const client of active) {
    if (client.memberEpoch <= 0 || !live.has(client.memberId)) {
      throw new Error(`settled: ${client.label} is not a member (epoch ${client.memberEpoch})`);
    }
  }
  for (const id of live) {
    if (!activeIds.has(id)) throw new Error(`settled: member ${id} belongs to no active client`);
  }
  if (active.length === 0) {
    const state = w.c.groupState(GROUP);
    if (state !== "empty" && state !== "dead") throw new Error(`settled: empty group is ${state}`);
    return;
  }
  const group = w.c.describeGroup(GROUP);
  if (group.state !== "stable") throw new Error(`settled: group is ${group.state}`);
  const byId = new Map(group.members.map((m) => [m.memberId, m]));
  const owner = new Map<string, string>();
  for (const client of active) {
    const target = keysOf(byId.get(client.memberId)!.targetAssignment).sort().join(",");
    const held = [...client.held()].sort().join(",");
    if (held !== target) {
      throw new Error(`settled: ${client.label} holds [${held}], target [${target}]`);
    }
    if (client.memberEpoch !== group.epoch) {
      throw new Error(
        `settled: ${client.label} at epoch ${client.memberEpoch}, group at ${group.epoch}`,
      );
    }
    for (const k of client.held()) {
      if (!client.topics.includes(k.split(":")[0])) {
        throw new Error(`settled: ${client.label} holds unsubscribed ${k}`);
      }
      owner.set(k, client.label);
    }
  }
  const subscribed = new Set(active.flatMap((c) => c.topics));
  for (const topic of subscribed) {
    const count = w.partitionCounts.get(topic) ?? 0;
    for (let p = 0; p < count; p++) {
      if (!owner.has(`${topic}:${p}`)) throw new Error(`settled: ${topic}:${p} has no owner`);
    }
  }
  if (owner.size !== [...subscribed].reduce((n, t) => n + (w.partitionCounts.get(t) ?? 0), 0)) {
    throw new Error("settled: clients hold partitions that do not exist");
  }
}
