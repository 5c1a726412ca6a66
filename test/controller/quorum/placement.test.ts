// placement.ts: replicas on distinct brokers, spread over as many racks as the partition can use,
// and leaders round-robin over the brokers within a topic and across topics.
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import {
  type PlacementBroker,
  placementOrder,
  placeReplicas,
} from "../../../src/controller/quorum/placement.ts";

/** 1 to 9 brokers with distinct ids, each with a rack from a small set, or all rack-less. */
const brokersArb = fc
  .tuple(
    fc.uniqueArray(fc.integer({ min: 0, max: 50 }), { minLength: 1, maxLength: 9 }),
    fc.boolean(),
    fc.array(fc.constantFrom("a", "b", "c", "d"), { minLength: 9, maxLength: 9 }),
  )
  .map(([ids, racked, racks]): PlacementBroker[] =>
    ids.map((brokerId, i) => ({ brokerId, rack: racked ? racks[i] : null }))
  );

const caseArb = brokersArb.chain((brokers) =>
  fc.record({
    brokers: fc.constant(brokers),
    replicationFactor: fc.integer({ min: 1, max: brokers.length }),
    partitions: fc.integer({ min: 1, max: 40 }),
    startIndex: fc.nat({ max: 1000 }),
  })
);

const rackOf = (brokers: PlacementBroker[], id: number) =>
  brokers.find((b) => b.brokerId === id)!.rack ?? "";

describe("placeReplicas", () => {
  it("places rf distinct registered brokers per partition", () => {
    fc.assert(
      fc.property(caseArb, (c) => {
        const placed = placeReplicas(c);
        expect(placed.length).toBe(c.partitions);
        const ids = new Set(c.brokers.map((b) => b.brokerId));
        for (const replicas of placed) {
          expect(replicas.length).toBe(c.replicationFactor);
          expect(new Set(replicas).size).toBe(replicas.length);
          for (const r of replicas) expect(ids.has(r)).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });

  it("puts each partition's replicas on as many racks as possible", () => {
    fc.assert(
      fc.property(caseArb, (c) => {
        const racks = new Set(c.brokers.map((b) => b.rack ?? "")).size;
        for (const replicas of placeReplicas(c)) {
          const used = new Set(replicas.map((r) => rackOf(c.brokers, r))).size;
          expect(used).toBe(Math.min(c.replicationFactor, racks));
        }
      }),
      { numRuns: 300 },
    );
  });

  it("balances leaders within 1 over several topics when the start rotates", () => {
    fc.assert(
      fc.property(
        brokersArb,
        fc.array(fc.integer({ min: 1, max: 12 }), { minLength: 1, maxLength: 6 }),
        (brokers, topicSizes) => {
          const leaders = new Map(brokers.map((b) => [b.brokerId, 0]));
          let placedSoFar = 0;
          for (const partitions of topicSizes) {
            const placed = placeReplicas({
              brokers,
              partitions,
              replicationFactor: 1,
              startIndex: placedSoFar,
            });
            placedSoFar += partitions;
            for (const [leader] of placed) leaders.set(leader, leaders.get(leader)! + 1);
          }
          const counts = [...leaders.values()];
          expect(Math.max(...counts) - Math.min(...counts)).toBeLessThanOrEqual(1);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("spreads followers too: with rf 2 on 4 brokers a leader does not always get one follower", () => {
    const brokers = [1, 2, 3, 4].map((brokerId) => ({ brokerId, rack: null }));
    const placed = placeReplicas({ brokers, partitions: 12, replicationFactor: 2, startIndex: 0 });
    const followersOf1 = new Set(placed.filter((r) => r[0] === 1).map((r) => r[1]));
    expect(followersOf1.size).toBeGreaterThan(1);
  });

  it("orders racked brokers alternating between racks", () => {
    const order = placementOrder([
      { brokerId: 1, rack: "a" },
      { brokerId: 2, rack: "a" },
      { brokerId: 3, rack: "b" },
      { brokerId: 4, rack: "b" },
      { brokerId: 5, rack: "c" },
    ]).map((b) => b.brokerId);
    expect(order).toEqual([1, 3, 5, 2, 4]);
  });

  it("is a pure function of its input", () => {
    fc.assert(
      fc.property(caseArb, (c) => {
        expect(placeReplicas(c)).toEqual(
          placeReplicas({ ...c, brokers: [...c.brokers].reverse() }),
        );
      }),
      { numRuns: 100 },
    );
  });
});
