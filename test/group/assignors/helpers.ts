import {
  type Assignment,
  assignmentToList,
  type Assignor,
  type AssignorMember,
} from "../../../src/group/mod.ts";

export function member(
  memberId: string,
  subscribedTopics: string[],
  assignment: Assignment = [],
  instanceId: string | null = null,
): AssignorMember {
  return { memberId, instanceId, subscribedTopics, assignment };
}

export function run(
  assignor: Assignor,
  members: AssignorMember[],
  counts: Record<string, number>,
): Record<string, string[]> {
  const result = assignor.assign({ members, partitionCounts: new Map(Object.entries(counts)) });
  const out: Record<string, string[]> = {};
  for (const [id, a] of result) {
    out[id] = assignmentToList(a).map((tp) => `${tp.topic}-${tp.partition}`);
  }
  return out;
}

/** Checks the properties every assignor must have; returns owner per "topic-partition". */
export function checkComplete(
  members: readonly AssignorMember[],
  counts: ReadonlyMap<string, number>,
  result: Map<string, Assignment>,
): Map<string, string> {
  const owner = new Map<string, string>();
  for (const m of members) {
    const a = result.get(m.memberId);
    if (a === undefined) throw new Error(`no entry for ${m.memberId}`);
    for (const tp of assignmentToList(a)) {
      const key = `${tp.topic}-${tp.partition}`;
      if (owner.has(key)) throw new Error(`${key} assigned twice`);
      if (!m.subscribedTopics.includes(tp.topic)) {
        throw new Error(`${key} to unsubscribed ${m.memberId}`);
      }
      if (tp.partition >= (counts.get(tp.topic) ?? 0)) throw new Error(`${key} does not exist`);
      owner.set(key, m.memberId);
    }
  }
  if (result.size !== members.length) throw new Error("entries for non-members");
  for (const [topic, count] of counts) {
    if (!members.some((m) => m.subscribedTopics.includes(topic))) continue;
    for (let p = 0; p < count; p++) {
      if (!owner.has(`${topic}-${p}`)) throw new Error(`${topic}-${p} unassigned`);
    }
  }
  return owner;
}
