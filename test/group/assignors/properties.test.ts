// Properties of every assignor over random groups, and sticky's minimal movement.
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import {
  type Assignment,
  assignmentToList,
  type Assignor,
  type AssignorMember,
  rangeAssignor,
  roundRobinAssignor,
  stickyAssignor,
} from "../../../src/group/mod.ts";
import { checkComplete } from "./helpers.ts";

const TOPICS = ["a", "b", "c", "d"];

interface Case {
  members: AssignorMember[];
  counts: Map<string, number>;
}

const caseArb: fc.Arbitrary<Case> = fc
  .record({
    counts: fc.array(fc.integer({ min: 0, max: 12 }), { minLength: 4, maxLength: 4 }),
    members: fc.array(
      fc.record({
        topics: fc.subarray(TOPICS, { minLength: 1 }),
        isStatic: fc.boolean(),
        current: fc.array(fc.record({ t: fc.constantFrom(...TOPICS), p: fc.nat(14) }), {
          maxLength: 8,
        }),
      }),
      { minLength: 0, maxLength: 8 },
    ),
  })
  .map(({ counts, members }) => ({
    counts: new Map(TOPICS.map((t, i) => [t, counts[i]])),
    members: members.map((m, i) => ({
      memberId: `m${String(i).padStart(2, "0")}`,
      instanceId: m.isStatic ? `i${(i * 7) % 11}-${i}` : null,
      subscribedTopics: m.topics,
      assignment: toAssignment(m.current.map((x) => ({ topic: x.t, partition: x.p }))),
    })),
  }));

function toAssignment(list: { topic: string; partition: number }[]): Assignment {
  const byTopic = new Map<string, Set<number>>();
  for (const { topic, partition } of list) {
    byTopic.set(topic, (byTopic.get(topic) ?? new Set()).add(partition));
  }
  return [...byTopic.keys()].sort().map((topic) => ({
    topic,
    partitions: [...byTopic.get(topic)!].sort((x, y) => x - y),
  }));
}

function loads(result: Map<string, Assignment>): Map<string, number> {
  return new Map([...result].map(([id, a]) => [id, assignmentToList(a).length]));
}

function subscriptionKey(m: AssignorMember): string {
  return [...m.subscribedTopics].sort().join(",");
}

const ALL: Assignor[] = [stickyAssignor, rangeAssignor, roundRobinAssignor];

describe("assignor properties", () => {
  for (const assignor of ALL) {
    it(`${assignor.name}: every subscribed partition once, to a subscriber; deterministic`, () => {
      fc.assert(
        fc.property(caseArb, fc.integer(), ({ members, counts }, shuffleSeed) => {
          const result = assignor.assign({ members, partitionCounts: counts });
          checkComplete(members, counts, result);
          const shuffled = [...members].sort((x, y) =>
            ((x.memberId.charCodeAt(2) * shuffleSeed) % 7) -
            ((y.memberId.charCodeAt(2) * shuffleSeed) % 7)
          );
          expect(assignor.assign({ members: shuffled, partitionCounts: counts })).toEqual(result);
        }),
        { numRuns: 300 },
      );
    });
  }

  it("sticky: members with the same subscriptions differ by at most one partition", () => {
    fc.assert(
      fc.property(caseArb, ({ members, counts }) => {
        const result = stickyAssignor.assign({ members, partitionCounts: counts });
        const load = loads(result);
        const byClass = new Map<string, number[]>();
        for (const m of members) {
          byClass.set(subscriptionKey(m), [
            ...(byClass.get(subscriptionKey(m)) ?? []),
            load.get(m.memberId)!,
          ]);
        }
        for (const counts of byClass.values()) {
          if (counts.length === 0) continue;
          expect(Math.max(...counts) - Math.min(...counts)).toBeLessThanOrEqual(1);
        }
      }),
      { numRuns: 500 },
    );
  });

  it("range and round-robin: balanced when all members subscribe to the same one topic", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 9 }), fc.nat(40), (n, partitions) => {
        const members = Array.from({ length: n }, (_, i) => ({
          memberId: `m${i}`,
          instanceId: null,
          subscribedTopics: ["a"],
          assignment: [],
        }));
        for (const assignor of [rangeAssignor, roundRobinAssignor]) {
          const load = [
            ...loads(assignor.assign({ members, partitionCounts: new Map([["a", partitions]]) }))
              .values(),
          ];
          expect(Math.max(...load) - Math.min(...load)).toBeLessThanOrEqual(1);
        }
      }),
    );
  });
});

// Sticky's movement, from a balanced assignment the assignor itself produced.
const homogeneousArb = fc.record({
  n: fc.integer({ min: 1, max: 9 }),
  counts: fc.array(fc.integer({ min: 0, max: 15 }), { minLength: 1, maxLength: 3 }),
});

function homogeneous(n: number, topics: string[], prefix = "m"): AssignorMember[] {
  return Array.from({ length: n }, (_, i) => ({
    memberId: `${prefix}${i}`,
    instanceId: null,
    subscribedTopics: topics,
    assignment: [],
  }));
}

function withTargets(members: AssignorMember[], result: Map<string, Assignment>): AssignorMember[] {
  return members.map((m) => ({ ...m, assignment: result.get(m.memberId)! }));
}

function moved(before: Map<string, Assignment>, after: Map<string, Assignment>): number {
  let count = 0;
  for (const [id, a] of after) {
    const old = new Set(
      assignmentToList(before.get(id) ?? []).map((tp) => `${tp.topic}-${tp.partition}`),
    );
    for (const tp of assignmentToList(a)) if (!old.has(`${tp.topic}-${tp.partition}`)) count++;
  }
  return count;
}

describe("sticky assignor movement", () => {
  it("adding a member moves at most ceil(P / (n + 1)) partitions, all to the newcomer", () => {
    fc.assert(
      fc.property(homogeneousArb, ({ n, counts }) => {
        const topics = counts.map((_, i) => TOPICS[i]);
        const partitionCounts = new Map(topics.map((t, i) => [t, counts[i]]));
        const total = counts.reduce((x, y) => x + y, 0);
        const members = homogeneous(n, topics);
        const before = stickyAssignor.assign({ members, partitionCounts });
        const grown = [...withTargets(members, before), ...homogeneous(1, topics, "new")];
        const after = stickyAssignor.assign({ members: grown, partitionCounts });
        const newcomer = assignmentToList(after.get("new0")!).length;
        expect(moved(before, after)).toBe(newcomer);
        expect(newcomer).toBeLessThanOrEqual(Math.ceil(total / (n + 1)));
        expect(newcomer).toBeGreaterThanOrEqual(Math.floor(total / (n + 1)));
      }),
      { numRuns: 300 },
    );
  });

  it("removing a member moves only its partitions", () => {
    fc.assert(
      fc.property(homogeneousArb, fc.nat(), ({ n, counts }, pick) => {
        fc.pre(n >= 2);
        const topics = counts.map((_, i) => TOPICS[i]);
        const partitionCounts = new Map(topics.map((t, i) => [t, counts[i]]));
        const members = homogeneous(n, topics);
        const before = stickyAssignor.assign({ members, partitionCounts });
        const leaver = members[pick % n].memberId;
        const rest = withTargets(members, before).filter((m) => m.memberId !== leaver);
        const after = stickyAssignor.assign({ members: rest, partitionCounts });
        for (const m of rest) {
          const kept = new Set(
            assignmentToList(after.get(m.memberId)!).map((tp) => `${tp.topic}-${tp.partition}`),
          );
          for (const tp of assignmentToList(before.get(m.memberId)!)) {
            expect(kept.has(`${tp.topic}-${tp.partition}`)).toBe(true);
          }
        }
        expect(moved(before, after)).toBe(assignmentToList(before.get(leaver)!).length);
      }),
      { numRuns: 300 },
    );
  });

  it("with equal subscriptions every member keeps min(what it had, what it ends with)", () => {
    fc.assert(
      fc.property(caseArb, ({ members, counts }) => {
        const same = members.map((m) => ({ ...m, subscribedTopics: TOPICS }));
        // Make the current assignments valid and disjoint, as targets always are.
        const seen = new Set<string>();
        const valid = same.map((m) => ({
          ...m,
          assignment: toAssignment(
            assignmentToList(m.assignment).filter((tp) => {
              const key = `${tp.topic}-${tp.partition}`;
              const ok = tp.partition < (counts.get(tp.topic) ?? 0) && !seen.has(key);
              if (ok) seen.add(key);
              return ok;
            }),
          ),
        }));
        const result = stickyAssignor.assign({ members: valid, partitionCounts: counts });
        for (const m of valid) {
          const had = assignmentToList(m.assignment).map((tp) => `${tp.topic}-${tp.partition}`);
          const has = new Set(
            assignmentToList(result.get(m.memberId)!).map((tp) => `${tp.topic}-${tp.partition}`),
          );
          const kept = had.filter((k) => has.has(k)).length;
          expect(kept).toBe(Math.min(had.length, has.size));
        }
      }),
      { numRuns: 500 },
    );
  });
});
