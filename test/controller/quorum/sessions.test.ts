// Registration, heartbeats, session expiry, controlled shutdown: the broker lifecycle rules of
// docs/controller.md ("The active controller"), one rule per test, each Kafka error named.
import { describe, expect, it } from "vitest";
import { SeededRandom } from "../../../runtime/sim/prng.ts";
import { QuorumController } from "../../../src/controller/quorum/controller.ts";
import { NO_LEADER } from "../../../src/controller/quorum/image-view.ts";
import { MetadataImage } from "../../../src/metadata/image.ts";
import { thrownCode } from "../../support/error-codes.ts";
import { Cluster, CLUSTER_ID, SESSION_MS, validateConfigs } from "./harness.ts";

describe("cluster id", () => {
  it("the first controller of a new cluster writes a ClusterIdRecord; later ones write none", () => {
    const c = new Cluster();
    expect(c.image.clusterId).toBe(CLUSTER_ID);
    c.elect(0);
    expect(c.controller.bootstrap().records).toEqual([]);
    expect(c.controller.bootstrap().reply.clusterId).toBe(CLUSTER_ID);
  });

  it("without a given id, bootstrap mints a random URL-safe one", () => {
    const c = new QuorumController({
      image: new MetadataImage(),
      nowMs: 0,
      random: new SeededRandom(3),
      validateConfigs,
    });
    const d = c.bootstrap();
    expect(d.reply.clusterId).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(d.records).toEqual([{ type: "ClusterIdRecord", clusterId: d.reply.clusterId }]);
    expect(c.image.clusterId).toBe(d.reply.clusterId);
    // Registration before there is an id is refused.
    const fresh = new QuorumController({
      image: new MetadataImage(),
      nowMs: 0,
      random: new SeededRandom(3),
      validateConfigs,
    });
    const code = thrownCode(() =>
      fresh.registerBroker({
        clusterId: CLUSTER_ID,
        brokerId: 1,
        incarnationId: "i",
        endpoints: [],
        rack: null,
      }, 0)
    );
    expect(code).toBe("INVALID_REQUEST");
  });
});

describe("registerBroker", () => {
  it("refuses another cluster's broker (INVALID_REQUEST, Kafka's INVALID_CLUSTER_ID)", () => {
    const c = new Cluster();
    const code = thrownCode(() =>
      c.controller.registerBroker({
        clusterId: "other",
        brokerId: 1,
        incarnationId: "i",
        endpoints: [],
        rack: null,
      }, 0)
    );
    expect(code).toBe("INVALID_REQUEST");
    expect(c.controller.image.broker(1)).toBeUndefined();
  });

  it("registers a new incarnation fenced; the same incarnation again writes nothing", () => {
    const c = new Cluster();
    const first = c.controller.registerBroker({
      clusterId: CLUSTER_ID,
      brokerId: 1,
      incarnationId: "i1",
      endpoints: [{ listener: "cbor", host: "h", port: 1 }],
      rack: null,
    }, 0);
    expect(first.records).toEqual([first.reply.registration]);
    expect(first.reply.registration?.fenced).toBe(true);
    c.commit(first);
    const again = c.controller.registerBroker({
      clusterId: CLUSTER_ID,
      brokerId: 1,
      incarnationId: "i1",
      endpoints: [{ listener: "cbor", host: "h", port: 1 }],
      rack: null,
    }, 10);
    expect(again.records).toEqual([]);
    expect(again.reply.registration).toBeNull();
  });

  it("refuses bad endpoints with the record's INVALID_RECORD and changes nothing", () => {
    const c = new Cluster();
    const code = thrownCode(() =>
      c.controller.registerBroker({
        clusterId: CLUSTER_ID,
        brokerId: 1,
        incarnationId: "i1",
        endpoints: [{ listener: "cbor", host: "h", port: 0 }],
        rack: null,
      }, 0)
    );
    expect(code).toBe("INVALID_RECORD");
    expect(c.controller.image.broker(1)).toBeUndefined();
  });

  it("a restarted broker (new incarnation) is fenced and its old life's leaderships move", () => {
    const c = new Cluster();
    c.brokers(2);
    c.createTopic("t", 1, 2);
    expect(c.partition("t").leader).toBe(1);
    c.register(1, "inc-1b", 10);
    expect(c.image.broker(1)).toMatchObject({ incarnationId: "inc-1b", fenced: true });
    expect(c.partition("t")).toMatchObject({ leader: 2, isr: [2], leaderEpoch: 1 });
    // The old life can no longer heartbeat (STALE_BROKER_EPOCH).
    expect(thrownCode(() => c.heartbeat(1, 20, { incarnationId: "inc-1" }))).toBe(
      "STALE_BROKER_EPOCH",
    );
  });
});

describe("brokerHeartbeat", () => {
  it("refuses an unknown broker (BROKER_ID_NOT_REGISTERED)", () => {
    const c = new Cluster();
    expect(thrownCode(() => c.heartbeat(5, 0))).toBe("BROKER_ID_NOT_REGISTERED");
  });

  it("unfences only once the broker has applied metadata up to its registration", () => {
    const c = new Cluster();
    c.register(1);
    const at = c.registeredAt.get("1/inc-1")!;
    const behind = c.heartbeat(1, 0, { appliedOffset: at - 1 });
    expect(behind).toEqual({ fenced: true, caughtUp: false, shutdownReady: false });
    expect(c.image.broker(1)?.fenced).toBe(true);
    const caughtUp = c.heartbeat(1, 0, { appliedOffset: at });
    expect(caughtUp).toEqual({ fenced: false, caughtUp: true, shutdownReady: false });
    expect(c.image.broker(1)?.fenced).toBe(false);
  });

  it("a registration not yet committed is never caught up", () => {
    const c = new Cluster();
    c.controller.registerBroker({
      clusterId: CLUSTER_ID,
      brokerId: 1,
      incarnationId: "i1",
      endpoints: [{ listener: "cbor", host: "h", port: 1 }],
      rack: null,
    }, 0);
    const d = c.controller.brokerHeartbeat(
      { brokerId: 1, incarnationId: "i1", appliedOffset: 100, wantShutdown: false },
      0,
      { registeredAtOffset: null },
    );
    expect(d.records).toEqual([]);
    expect(d.reply.fenced).toBe(true);
  });

  it("controlled shutdown moves leadership to another ISR member, then answers ready", () => {
    const c = new Cluster();
    c.brokers(3);
    c.createTopic("t", 3, 2);
    const led = c.image.topic("t")!.partitions.filter((p) => p.leader === 1);
    expect(led.length).toBe(1);
    const reply = c.heartbeat(1, 10, { wantShutdown: true });
    expect(reply).toMatchObject({ fenced: true, shutdownReady: true });
    for (const p of c.image.topic("t")!.partitions) {
      expect(p.leader).not.toBe(1);
      expect(p.leader).not.toBe(NO_LEADER);
      expect(p.isr).not.toContain(1);
    }
    expect(c.image.broker(1)?.fenced).toBe(true);
    // Shutting down, it is not unfenced again by a later heartbeat.
    expect(c.heartbeat(1, 20, { wantShutdown: true }).fenced).toBe(true);
    expect(c.image.broker(1)?.fenced).toBe(true);
  });

  it("controlled shutdown of the last ISR member leaves the partition leaderless, ISR kept", () => {
    const c = new Cluster();
    c.brokers(1);
    c.createTopic("t", 1, 1);
    expect(c.heartbeat(1, 10, { wantShutdown: true }).shutdownReady).toBe(true);
    expect(c.partition("t")).toMatchObject({ leader: NO_LEADER, isr: [1] });
  });
});

describe("tick", () => {
  it("fences a broker without a heartbeat for sessionTimeoutMs and moves its leaderships", () => {
    const c = new Cluster();
    c.brokers(3);
    c.createTopic("t", 1, 3);
    expect(c.partition("t")).toMatchObject({ leader: 1, isr: [1, 2, 3] });
    c.heartbeat(2, SESSION_MS - 1);
    c.heartbeat(3, SESSION_MS - 1);
    expect(c.commit(c.controller.tick(SESSION_MS - 1)).fenced).toEqual([]);
    expect(c.commit(c.controller.tick(SESSION_MS)).fenced).toEqual([1]);
    expect(c.image.broker(1)?.fenced).toBe(true);
    // Leader: the first unfenced ISR member in replica order; the fenced one leaves the ISR.
    expect(c.partition("t")).toMatchObject({ leader: 2, isr: [2, 3], leaderEpoch: 1 });
  });

  it("no eligible ISR member: leader NO_LEADER and the last member stays in the ISR", () => {
    const c = new Cluster();
    c.brokers(2);
    c.createTopic("t", 1, 2);
    c.heartbeat(1, SESSION_MS);
    c.commit(c.controller.tick(SESSION_MS)); // broker 2 fenced
    expect(c.partition("t")).toMatchObject({ leader: 1, isr: [1] });
    c.commit(c.controller.tick(2 * SESSION_MS)); // broker 1 fenced too
    expect(c.partition("t")).toMatchObject({ leader: NO_LEADER, isr: [1] });
  });

  it("a leaderless partition gets its leader back as soon as an ISR member is unfenced", () => {
    const c = new Cluster();
    c.brokers(2);
    c.createTopic("t", 1, 2);
    c.commit(c.controller.tick(SESSION_MS)); // both fenced
    const p = c.partition("t");
    expect(p.leader).toBe(NO_LEADER);
    const [last] = p.isr;
    const other = last === 1 ? 2 : 1;
    // The broker outside the ISR coming back does not make it leader (unclean election off).
    c.heartbeat(other, SESSION_MS + 10);
    expect(c.partition("t").leader).toBe(NO_LEADER);
    c.heartbeat(last, SESSION_MS + 20);
    expect(c.partition("t")).toMatchObject({ leader: last, isr: [last] });
  });

  it("a new controller's first tick elects where the committed image left an electable partition", () => {
    const c = new Cluster();
    c.brokers(2);
    c.createTopic("t", 1, 2);
    // Written by hand, not by a controller: leaderless although broker 1 is unfenced in the ISR.
    const p = c.partition("t");
    c.commit({
      records: [{
        type: "PartitionChangeRecord",
        topicId: c.image.topic("t")!.topicId,
        partition: 0,
        partitionEpoch: p.partitionEpoch,
        leader: -1,
      }],
      reply: null,
    });
    c.elect(0);
    c.commit(c.controller.tick(1));
    expect(c.partition("t").leader).toBe(1);
  });

  it("a new controller gives every registered broker a fresh session (no fencing at failover)", () => {
    const c = new Cluster();
    c.brokers(2);
    c.elect(10 * SESSION_MS);
    expect(c.controller.tick(10 * SESSION_MS + SESSION_MS - 1).records).toEqual([]);
    expect(c.controller.nextDeadlineMs()).toBe(11 * SESSION_MS);
  });

  it("nextDeadlineMs is the earliest session expiry or rebalance check", () => {
    const c = new Cluster(1, { leaderImbalanceCheckIntervalMs: 100_000 });
    expect(c.controller.nextDeadlineMs()).toBe(100_000);
    c.brokers(2);
    c.heartbeat(1, 700);
    expect(c.controller.nextDeadlineMs()).toBe(SESSION_MS);
    const off = new Cluster(1, { autoLeaderRebalance: false });
    expect(off.controller.nextDeadlineMs()).toBeNull();
  });

  it("auto.leader.rebalance.enable moves leadership back to the preferred replica, at most every interval", () => {
    const c = new Cluster(1, { leaderImbalanceCheckIntervalMs: 10_000 });
    c.brokers(2);
    c.createTopic("t", 1, 2);
    c.heartbeat(2, 1000);
    c.commit(c.controller.tick(SESSION_MS)); // 1 fenced: 2 leads
    expect(c.partition("t").leader).toBe(2);
    c.heartbeat(1, 2000);
    c.heartbeat(2, 2000);
    c.commit(c.controller.alterPartition({
      brokerId: 2,
      incarnationId: "inc-2",
      partitions: [{
        topicId: c.image.topic("t")!.topicId,
        partition: 0,
        leaderEpoch: c.partition("t").leaderEpoch,
        partitionEpoch: c.partition("t").partitionEpoch,
        newIsr: [2, 1],
      }],
    }));
    c.heartbeat(1, 9000);
    c.heartbeat(2, 9000);
    c.commit(c.controller.tick(9999));
    expect(c.partition("t").leader).toBe(2); // not due yet
    c.commit(c.controller.tick(10_000));
    expect(c.partition("t").leader).toBe(1);
  });

  it("with auto.leader.rebalance.enable false leadership stays where it is", () => {
    const c = new Cluster(1, { autoLeaderRebalance: false, leaderImbalanceCheckIntervalMs: 10 });
    c.brokers(2);
    c.createTopic("t", 1, 2);
    c.heartbeat(2, 1000);
    c.commit(c.controller.tick(SESSION_MS));
    c.heartbeat(1, SESSION_MS + 1);
    const p = c.partition("t");
    c.commit(c.controller.alterPartition({
      brokerId: 2,
      incarnationId: "inc-2",
      partitions: [{
        topicId: c.image.topic("t")!.topicId,
        partition: 0,
        leaderEpoch: p.leaderEpoch,
        partitionEpoch: p.partitionEpoch,
        newIsr: [2, 1],
      }],
    }));
    c.commit(c.controller.tick(SESSION_MS + 100));
    expect(c.partition("t").leader).toBe(2);
  });
});
