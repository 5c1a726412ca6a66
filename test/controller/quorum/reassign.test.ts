// Partition reassignment in the active controller (src/controller/quorum/reassign.ts): step 1
// adds the target's new replicas and keeps the target in the image, step 2 follows the ISR
// change that brings every target replica in sync; cancel, a dropped leader, and the refusals.
import { describe, expect, it } from "vitest";
import { thrownCode } from "../../support/error-codes.ts";
import { Cluster, SESSION_MS } from "./harness.ts";

/** Brokers 1-4, topic t with one partition on [1, 2, 3] led by 1. */
function setup() {
  const c = new Cluster();
  c.brokers(4);
  c.createTopic("t", 1, 3);
  return c;
}

function reassign(c: Cluster, replicas: number[] | null, topic = "t", partition = 0) {
  const d = c.controller.reassignPartitions([{ topic, partition, replicas }]);
  c.commit(d);
  return d;
}

/** The partition's leader admits `isr` (AlterPartition), as it does when a follower catches up. */
function expand(c: Cluster, isr: number[]) {
  const p = c.partition("t");
  const d = c.controller.alterPartition({
    brokerId: p.leader,
    incarnationId: `inc-${p.leader}`,
    partitions: [{
      topicId: c.image.topic("t")!.topicId,
      partition: 0,
      leaderEpoch: p.leaderEpoch,
      partitionEpoch: p.partitionEpoch,
      newIsr: isr,
    }],
  });
  c.commit(d);
  expect(d.reply.partitions[0].error).toBeNull();
  return d;
}

describe("reassignPartitions", () => {
  it("step 1 adds the new replicas at the end and keeps the target durably", () => {
    const c = setup();
    const d = reassign(c, [2, 3, 4]);
    expect(d.records).toHaveLength(1);
    const p = c.partition("t");
    expect(p.replicas).toEqual([1, 2, 3, 4]);
    expect(p.isr).toEqual([1, 2, 3]);
    expect(p.leader).toBe(1);
    expect(p.targetReplicas).toEqual([2, 3, 4]);
    expect(p.addingReplicas).toEqual([4]);
    expect(d.reply.partitions[0].targetReplicas).toEqual([2, 3, 4]);
    // A new controller (failover) reads the target from the committed image.
    c.elect(0);
    expect(c.controller.image.topic("t")!.partitions[0].targetReplicas).toEqual([2, 3, 4]);
  });

  it("step 2 comes with the ISR expand that completes the target; the dropped leader moves", () => {
    const c = setup();
    reassign(c, [2, 3, 4]);
    const before = c.partition("t");
    const d = expand(c, [1, 2, 3, 4]);
    expect(d.records).toHaveLength(2); // the expand, then step 2 in the same entry
    const p = c.partition("t");
    expect(p.replicas).toEqual([2, 3, 4]);
    expect(p.isr).toEqual([2, 3, 4]);
    expect(p.leader).toBe(2);
    expect(p.leaderEpoch).toBe(before.leaderEpoch + 1);
    expect(p.targetReplicas).toBeUndefined();
    expect(p.addingReplicas).toBeUndefined();
  });

  it("a leader that stays keeps its leader epoch through step 2", () => {
    const c = setup();
    reassign(c, [1, 3, 4]);
    const before = c.partition("t");
    expand(c, [1, 2, 3, 4]);
    const p = c.partition("t");
    expect(p.replicas).toEqual([1, 3, 4]);
    expect(p.isr).toEqual([1, 3, 4]);
    expect(p.leader).toBe(1);
    expect(p.leaderEpoch).toBe(before.leaderEpoch);
  });

  it("a partial expand does not complete it", () => {
    const c = setup();
    reassign(c, [3, 4]);
    expand(c, [1, 3]);
    expect(c.partition("t").targetReplicas).toEqual([3, 4]);
    expect(c.partition("t").replicas).toEqual([1, 2, 3, 4]);
  });

  it("a target already in sync completes in the request's own decision", () => {
    const c = setup();
    const d = reassign(c, [3, 2]);
    expect(d.records).toHaveLength(2);
    const p = c.partition("t");
    expect(p.replicas).toEqual([3, 2]);
    expect(p.isr.sort()).toEqual([2, 3]);
    expect(p.leader).toBe(3);
    expect(p.targetReplicas).toBeUndefined();
    expect(d.reply.partitions[0]).toMatchObject({
      replicas: [3, 2],
      leader: 3,
      targetReplicas: null,
    });
  });

  it("cancel returns to the replicas from before, dropping an added replica from the ISR", () => {
    const c = setup();
    reassign(c, [2, 3, 4]);
    expand(c, [1, 2, 4]); // 3 lags, 4 is in sync: not complete
    expect(c.partition("t").targetReplicas).toEqual([2, 3, 4]);
    reassign(c, null);
    const p = c.partition("t");
    expect(p.replicas).toEqual([1, 2, 3]);
    expect(p.isr).toEqual([1, 2]);
    expect(p.leader).toBe(1);
    expect(p.targetReplicas).toBeUndefined();
    // Cancelling when nothing is in progress writes nothing.
    expect(c.controller.reassignPartitions([{ topic: "t", partition: 0, replicas: null }]).records)
      .toEqual([]);
  });

  it("a replaced target starts from the original replicas", () => {
    const c = setup();
    reassign(c, [2, 3, 4]);
    reassign(c, [1, 2]);
    // [1, 2] is in sync: done at once, and 4 (added by the replaced target) is gone.
    expect(c.partition("t").replicas).toEqual([1, 2]);
    expect(c.partition("t").targetReplicas).toBeUndefined();
  });

  it("a move to one replica completes with it alone in the ISR; fenced, it stays there leaderless", () => {
    const c = setup();
    reassign(c, [4]);
    expand(c, [1, 2, 3, 4]);
    // Completed at once (4 unfenced): leader 4, ISR [4].
    expect(c.partition("t")).toMatchObject({ replicas: [4], isr: [4], leader: 4 });
    // Now fence 4: the last ISR member stays, leaderless, never an empty ISR.
    for (const b of [1, 2, 3]) c.heartbeat(b, SESSION_MS - 1);
    c.commit(c.controller.tick(SESSION_MS));
    expect(c.partition("t")).toMatchObject({ replicas: [4], isr: [4], leader: -1 });
  });

  it("refuses bad requests whole and changes nothing", () => {
    const c = setup();
    const code = (items: { topic: string; partition: number; replicas: number[] | null }[]) =>
      thrownCode(() => c.controller.reassignPartitions(items));
    expect(code([{ topic: "nope", partition: 0, replicas: [1] }])).toBe(
      "UNKNOWN_TOPIC_OR_PARTITION",
    );
    expect(code([{ topic: "t", partition: 1, replicas: [1] }])).toBe("UNKNOWN_TOPIC_OR_PARTITION");
    expect(code([{ topic: "t", partition: 0, replicas: [] }])).toBe("INVALID_REPLICA_ASSIGNMENT");
    expect(code([{ topic: "t", partition: 0, replicas: [1, 1] }])).toBe(
      "INVALID_REPLICA_ASSIGNMENT",
    );
    expect(code([{ topic: "t", partition: 0, replicas: [1, 9] }])).toBe(
      "INVALID_REPLICA_ASSIGNMENT",
    );
    expect(code([{ topic: "t", partition: 0, replicas: [-1] }])).toBe(
      "INVALID_REPLICA_ASSIGNMENT",
    );
    // A good item with a bad one: nothing happens to the good one either.
    expect(code([
      { topic: "t", partition: 0, replicas: [2, 3, 4] },
      { topic: "t", partition: 0, replicas: [1, 2] },
    ])).toBe("INVALID_REQUEST");
    expect(code([
      { topic: "t", partition: 0, replicas: [2, 3, 4] },
      { topic: "t", partition: 5, replicas: [1, 2] },
    ])).toBe("UNKNOWN_TOPIC_OR_PARTITION");
    expect(c.controller.image.topic("t")!.partitions[0].targetReplicas).toBeUndefined();
    expect(c.controller.image.topic("t")!.partitions[0].replicas).toEqual([1, 2, 3]);
  });
});
