// AlterPartition as the controller checks it (src/controller/quorum/alter-partition.ts), one
// Kafka error per test.
import { describe, expect, it } from "vitest";
import type { AlterPartitionItem } from "../../../src/model/cluster.ts";
import { thrownCode } from "../../support/error-codes.ts";
import { Cluster, SESSION_MS } from "./harness.ts";

/** Brokers 1-3, topic t with one partition on [1, 2, 3] led by 1. */
function setup() {
  const c = new Cluster();
  c.brokers(3);
  c.createTopic("t", 1, 3);
  return c;
}

function item(c: Cluster, fields: Partial<AlterPartitionItem> = {}): AlterPartitionItem {
  const p = c.partition("t");
  return {
    topicId: c.image.topic("t")!.topicId,
    partition: 0,
    leaderEpoch: p.leaderEpoch,
    partitionEpoch: p.partitionEpoch,
    newIsr: [1, 2],
    ...fields,
  };
}

function alter(
  c: Cluster,
  it: AlterPartitionItem,
  brokerId = 1,
  incarnationId = `inc-${brokerId}`,
) {
  const d = c.controller.alterPartition({ brokerId, incarnationId, partitions: [it] });
  c.commit(d);
  return { records: d.records, reply: d.reply.partitions[0] };
}

describe("alterPartition", () => {
  it("the leader shrinks the ISR: one PartitionChangeRecord, the new state in the reply", () => {
    const c = setup();
    const { records, reply } = alter(c, item(c));
    expect(records).toHaveLength(1);
    expect(reply.error).toBeNull();
    expect(reply.state).toEqual({
      leader: 1,
      leaderEpoch: 0,
      partitionEpoch: 1,
      replicas: [1, 2, 3],
      isr: [1, 2],
    });
    expect(c.partition("t").isr).toEqual([1, 2]);
  });

  it("an unknown broker or an old incarnation is refused whole (STALE_BROKER_EPOCH)", () => {
    const c = setup();
    const request = (brokerId: number, incarnationId: string) => ({
      brokerId,
      incarnationId,
      partitions: [item(c)],
    });
    expect(thrownCode(() => c.controller.alterPartition(request(9, "x")))).toBe(
      "STALE_BROKER_EPOCH",
    );
    expect(thrownCode(() => c.controller.alterPartition(request(1, "old")))).toBe(
      "STALE_BROKER_EPOCH",
    );
  });

  it("a stale leader epoch is FENCED_LEADER_EPOCH, with the current state", () => {
    const c = setup();
    c.heartbeat(2, SESSION_MS - 1);
    c.heartbeat(3, SESSION_MS - 1);
    c.commit(c.controller.tick(SESSION_MS)); // 1 fenced: 2 leads at epoch 1
    const { records, reply } = alter(c, item(c, { leaderEpoch: 0, newIsr: [2] }), 2);
    expect(records).toEqual([]);
    expect(reply.error?.code).toBe("FENCED_LEADER_EPOCH");
    expect(reply.state?.leaderEpoch).toBe(1);
  });

  it("a broker that does not lead the partition is NOT_LEADER_OR_FOLLOWER", () => {
    const c = setup();
    const { reply } = alter(c, item(c, { newIsr: [2, 3] }), 2);
    expect(reply.error?.code).toBe("NOT_LEADER_OR_FOLLOWER");
  });

  it("a stale partition epoch is INVALID_UPDATE_VERSION, with the committed state", () => {
    const c = setup();
    alter(c, item(c, { newIsr: [1, 2] }));
    const { records, reply } = alter(c, item(c, { partitionEpoch: 0, newIsr: [1] }));
    expect(records).toEqual([]);
    expect(reply.error?.code).toBe("INVALID_UPDATE_VERSION");
    expect(reply.state).toMatchObject({ partitionEpoch: 1, isr: [1, 2] });
  });

  it("a resend of the change just committed is answered with its state, writing nothing", () => {
    const c = setup();
    const first = item(c, { newIsr: [1, 3] });
    alter(c, first);
    const { records, reply } = alter(c, first);
    expect(records).toEqual([]);
    expect(reply.error).toBeNull();
    expect(reply.state).toMatchObject({ partitionEpoch: 1, isr: [1, 3] });
  });

  it("an ISR outside the replicas, without the leader, or adding a fenced broker is INELIGIBLE_REPLICA", () => {
    const c = setup();
    c.register(4);
    c.heartbeat(4, 0); // registered and unfenced, but not a replica
    expect(alter(c, item(c, { newIsr: [1, 4] })).reply.error?.code).toBe("INELIGIBLE_REPLICA");
    expect(alter(c, item(c, { newIsr: [2, 3] })).reply.error?.code).toBe("INELIGIBLE_REPLICA");
    expect(alter(c, item(c, { newIsr: [] })).reply.error?.code).toBe("INELIGIBLE_REPLICA");
    alter(c, item(c, { newIsr: [1] }));
    c.heartbeat(1, SESSION_MS - 1);
    c.heartbeat(2, SESSION_MS - 1);
    c.heartbeat(4, SESSION_MS - 1);
    c.commit(c.controller.tick(SESSION_MS)); // 3 fenced
    expect(c.image.broker(3)?.fenced).toBe(true);
    const { records, reply } = alter(c, item(c, { newIsr: [1, 3] }));
    expect(records).toEqual([]);
    expect(reply.error?.code).toBe("INELIGIBLE_REPLICA");
    // Adding an unfenced replica is fine.
    expect(alter(c, item(c, { newIsr: [1, 2] })).reply.error).toBeNull();
  });

  it("a duplicate in the new ISR is INVALID_REQUEST", () => {
    const c = setup();
    expect(alter(c, item(c, { newIsr: [1, 1] })).reply.error?.code).toBe("INVALID_REQUEST");
  });

  it("an unknown topic id is UNKNOWN_TOPIC_ID, an unknown partition UNKNOWN_TOPIC_OR_PARTITION", () => {
    const c = setup();
    expect(alter(c, item(c, { topicId: "nope" })).reply).toMatchObject({
      error: { code: "UNKNOWN_TOPIC_ID" },
      state: null,
    });
    expect(alter(c, item(c, { partition: 5 })).reply.error?.code).toBe(
      "UNKNOWN_TOPIC_OR_PARTITION",
    );
  });

  it("answers each partition of one request on its own, building on the earlier ones", () => {
    const c = setup();
    c.createTopic("u", 3, 3);
    const topicId = c.image.topic("u")!.topicId;
    const items = c.image.topic("u")!.partitions.map((p) => ({
      topicId,
      partition: p.partition,
      leaderEpoch: p.leaderEpoch,
      partitionEpoch: p.partitionEpoch,
      newIsr: [p.leader],
    }));
    const leaders = items.map((i) => c.image.topic("u")!.partitions[i.partition].leader);
    const d = c.controller.alterPartition({
      brokerId: 1,
      incarnationId: "inc-1",
      partitions: items,
    });
    c.commit(d);
    d.reply.partitions.forEach((r, i) => {
      if (leaders[i] === 1) expect(r.error).toBeNull();
      else expect(r.error?.code).toBe("NOT_LEADER_OR_FOLLOWER");
    });
    expect(d.records.length).toBe(leaders.filter((l) => l === 1).length);
  });
});
