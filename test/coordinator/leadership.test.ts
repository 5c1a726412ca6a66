// The coordinator follows `__consumer_offsets` leadership (issue 11): a broker coordinates the
// groups of a partition only while it leads it, loads it (rebuilding the groups from the log)
// when it becomes leader, answers NOT_COORDINATOR once leadership moved, writes only under the
// epoch it loaded in, and FindCoordinator names the leader. Nodes share one real broker's log
// and fake the leadership (fake-leadership.ts).
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createNodeRuntime } from "../../runtime/node/mod.ts";
import type { Runtime } from "../../runtime/types.ts";
import { Broker } from "../../src/broker/broker.ts";
import { GroupService } from "../../src/coordinator/group-service.ts";
import { offsetsPartitionFor } from "../../src/coordinator/offsets-partition.ts";
import { CONSUMER_OFFSETS_TOPIC } from "../../src/coordinator/offsets-topic.ts";
import { TributaryError } from "../../src/model/errors.ts";
import { findCoordinator } from "../../src/protocol/cbor/server/handlers/groups.ts";
import type { HandlerContext } from "../../src/protocol/cbor/server/handlers/context.ts";
import { rejectionCode, thrownCode } from "../support/error-codes.ts";
import { FakeLeadership, type FakeNode } from "./fake-leadership.ts";

const PARTITIONS = 3;
const GROUP = "g";
const P = offsetsPartitionFor(GROUP, PARTITIONS);

let rt: Runtime;
let dataDir: string;
let broker: Broker;
let cluster: FakeLeadership;
let services: GroupService[];
let reported: unknown[];

beforeEach(async () => {
  rt = createNodeRuntime();
  dataDir = await rt.fs.makeTempDir("tributary-coordinator-leadership-");
  broker = await Broker.open(rt, { nodeId: 1, dataDir, host: "127.0.0.1", port: 0 });
  await broker.createTopic({ name: "t", partitions: 2 });
  cluster = new FakeLeadership(broker);
  services = [];
  reported = [];
});
afterEach(async () => {
  for (const s of services) await s.close();
  await broker.close();
  await rt.fs.remove(dataDir, { recursive: true });
});

async function start(node: FakeNode, options = {}): Promise<GroupService> {
  const s = await GroupService.start(rt, node, {
    offsetsTopicPartitions: PARTITIONS,
    report: (_what, err) => reported.push(err),
    ...options,
  });
  services.push(s);
  return s;
}

const commit = (s: GroupService, offset: number) =>
  s.commitOffsets({
    groupId: GROUP,
    memberId: "",
    memberEpoch: -1,
    offsets: [{ topic: "t", partition: 0, offset }],
  });

async function committed(s: GroupService): Promise<number | null> {
  const offsets = await s.fetchOffsets({ groupId: GROUP });
  return offsets.find((o) => o.topic === "t" && o.partition === 0)?.offset ?? null;
}

/** Resolves once the service's partition holding GROUP is in `state`; bounded by the loads. */
async function settledLoad(s: GroupService): Promise<void> {
  const deadline = rt.clock.monotonicMs() + 5_000;
  while (s.partitionStates()[P] === "loading") {
    if (rt.clock.monotonicMs() > deadline) throw new Error("the load did not settle in 5 s");
    await rt.timers.sleep(5);
  }
}

describe("a coordinator that follows __consumer_offsets leadership", () => {
  it("coordinates only the partitions its broker leads: others answer NOT_COORDINATOR", async () => {
    const one = await start(cluster.node(1));
    const two = await start(cluster.node(2));
    expect(one.partitionStates()).toEqual(["ready", "ready", "ready"]);
    expect(two.partitionStates()).toEqual(["idle", "idle", "idle"]);
    await commit(one, 7);
    expect(await rejectionCode(commit(two, 8))).toBe("NOT_COORDINATOR");
    expect(await rejectionCode(two.fetchOffsets({ groupId: GROUP }))).toBe("NOT_COORDINATOR");
    expect(thrownCode(() => two.describeGroup(GROUP))).toBe("NOT_COORDINATOR");
    expect(two.listGroups()).toEqual([]);
    expect(one.listGroups().map((g) => g.groupId)).toEqual([GROUP]);
  });

  it("loads the partition when its broker becomes leader, with the committed offsets, and the old leader stops", async () => {
    const one = await start(cluster.node(1));
    const two = await start(cluster.node(2));
    await commit(one, 7);
    cluster.move(P, 2);
    await settledLoad(two);
    expect(await committed(two)).toBe(7);
    expect(one.partitionStates()[P]).toBe("idle");
    expect(await rejectionCode(commit(one, 9))).toBe("NOT_COORDINATOR");
    expect(thrownCode(() => one.describeGroup(GROUP))).toBe("NOT_COORDINATOR");
    await commit(two, 8);
    expect(await committed(two)).toBe(8);
    // Partitions that did not move stay where they were.
    expect(one.partitionStates().filter((s) => s === "ready")).toHaveLength(PARTITIONS - 1);
    // Back to broker 1 (a new epoch): it reloads and sees what broker 2 wrote.
    cluster.move(P, 1);
    await settledLoad(one);
    expect(await committed(one)).toBe(8);
    expect(two.partitionStates()[P]).toBe("idle");
  });

  it("sees what its predecessor acknowledged even when its high watermark lags behind", async () => {
    const one = await start(cluster.node(1));
    const nodeTwo = cluster.node(2);
    const two = await start(nodeTwo);
    await commit(one, 7);
    const before = broker.partitionOffsets(CONSUMER_OFFSETS_TOPIC, P)!.highWatermark;
    await commit(one, 8);
    // Broker 2 followed the commit of 8 but not yet the HW that covers it.
    nodeTwo.hwCap.set(P, before);
    cluster.move(P, 2);
    await settledLoad(two);
    expect(await committed(two)).toBe(8);
  });

  it("answers COORDINATOR_LOAD_IN_PROGRESS while loading", async () => {
    await start(cluster.node(1));
    const nodeTwo = cluster.node(2);
    const two = await start(nodeTwo);
    const held = nodeTwo.holdAppends();
    cluster.move(P, 2);
    await held.reached;
    expect(two.partitionStates()[P]).toBe("loading");
    expect(await rejectionCode(commit(two, 1))).toBe("COORDINATOR_LOAD_IN_PROGRESS");
    expect(thrownCode(() => two.describeGroup(GROUP))).toBe("COORDINATOR_LOAD_IN_PROGRESS");
    held.release();
    await settledLoad(two);
    await commit(two, 1);
    expect(await committed(two)).toBe(1);
  });

  it("fails an operation in flight with NOT_COORDINATOR when leadership moves under it", async () => {
    const nodeOne = cluster.node(1);
    const one = await start(nodeOne);
    await commit(one, 7);
    const held = nodeOne.holdAppends();
    const inFlight = commit(one, 8);
    await held.reached;
    cluster.move(P, 2);
    held.release();
    expect(await rejectionCode(inFlight)).toBe("NOT_COORDINATOR");
  });

  it("refuses a write under an old epoch before its broker told it of the change: NOT_COORDINATOR, nothing written", async () => {
    const nodeOne = cluster.node(1);
    const one = await start(nodeOne);
    await commit(one, 7);
    const end = broker.partitionOffsets(CONSUMER_OFFSETS_TOPIC, P)!.highWatermark;
    // A new epoch (led by broker 1 again, say after a quick failover) not yet acted on here.
    cluster.move(P, 1, { tell: false });
    expect(await rejectionCode(commit(one, 9))).toBe("NOT_COORDINATOR");
    expect(broker.partitionOffsets(CONSUMER_OFFSETS_TOPIC, P)!.highWatermark).toBe(end);
    expect(one.partitionStates()[P]).toBe("idle");
    // Once told, it loads in the new epoch and carries on from the log.
    cluster.tell(P);
    await settledLoad(one);
    expect(await committed(one)).toBe(7);
    await commit(one, 9);
    expect(await committed(one)).toBe(9);
  });

  it("a deposed coordinator's timer-driven writes are refused too", async () => {
    const nodeOne = cluster.node(1);
    const one = await start(nodeOne);
    await one.heartbeat({
      groupId: GROUP,
      memberId: "",
      memberEpoch: 0,
      subscribedTopics: ["t"],
      sessionTimeoutMs: 200,
    });
    cluster.move(P, 2, { tell: false });
    const asked = nodeOne.appendsAsked.length;
    const end = broker.partitionOffsets(CONSUMER_OFFSETS_TOPIC, P)!.highWatermark;
    // The session expiry tries to write the member's removal: refused, the partition resigns.
    const deadline = rt.clock.monotonicMs() + 5_000;
    while (one.partitionStates()[P] !== "idle") {
      if (rt.clock.monotonicMs() > deadline) throw new Error("did not resign within 5 s");
      await rt.timers.sleep(10);
    }
    expect(nodeOne.appendsAsked.length).toBeGreaterThan(asked);
    expect(broker.partitionOffsets(CONSUMER_OFFSETS_TOPIC, P)!.highWatermark).toBe(end);
  });

  it("bounds every write's wait for the in-sync replicas by offsets.commit.timeout.ms", async () => {
    const byDefault = cluster.node(1);
    await commit(await start(byDefault), 7);
    const configured = cluster.node(1);
    await commit(await start(configured, { offsetsCommitTimeoutMs: 1_234 }), 8);
    // Barriers of every partition's load, then the commit.
    expect(byDefault.timeoutsAsked).toEqual(Array(PARTITIONS + 1).fill(5_000));
    expect(configured.timeoutsAsked).toEqual(Array(PARTITIONS + 1).fill(1_234));
    await expect(start(cluster.node(1), { offsetsCommitTimeoutMs: 0 })).rejects.toThrow(
      /offsets.commit.timeout.ms/,
    );
  });

  it("names the partition leader in FindCoordinator, and COORDINATOR_NOT_AVAILABLE without one", async () => {
    const one = await start(cluster.node(1));
    const ctx = { groups: one } as unknown as HandlerContext;
    expect(await findCoordinator(ctx, { groupId: GROUP })).toEqual({
      coordinator: { nodeId: 1, host: "10.0.0.1", port: 9001, httpPort: 8001 },
      offsetsPartition: P,
    });
    cluster.move(P, 2);
    expect(await findCoordinator(ctx, { groupId: GROUP })).toEqual({
      coordinator: { nodeId: 2, host: "10.0.0.2", port: 9002, httpPort: 8002 },
      offsetsPartition: P,
    });
    cluster.move(P, 7); // a broker the metadata does not list (fenced)
    expect(thrownCode(() => one.coordinatorOf(GROUP))).toBe("COORDINATOR_NOT_AVAILABLE");
    cluster.move(P, -1);
    expect(thrownCode(() => one.coordinatorOf(GROUP))).toBe("COORDINATOR_NOT_AVAILABLE");
  });
});

describe("creating __consumer_offsets in a forming cluster", () => {
  it("passes offsets.topic.replication.factor, retries while the controller refuses it, answers COORDINATOR_NOT_AVAILABLE meanwhile", async () => {
    const node = cluster.node(1);
    const asked: Array<number | undefined> = [];
    let refusals = 2;
    const created = new Promise<void>((resolve) => {
      node.createInternalTopic = (request) => {
        asked.push(request.replicationFactor);
        if (refusals-- > 0) {
          return Promise.reject(
            new TributaryError("INVALID_REPLICATION_FACTOR", "2 brokers registered, 3 asked"),
          );
        }
        // The single-node broker underneath holds one replica.
        return broker.createInternalTopic({ ...request, replicationFactor: 1 }).finally(resolve);
      };
    });
    const s = await start(node, { offsetsTopicReplicationFactor: 3 });
    expect(s.offsetsPartitions).toBe(0);
    expect(await rejectionCode(commit(s, 1))).toBe("COORDINATOR_NOT_AVAILABLE");
    expect(thrownCode(() => s.coordinatorOf(GROUP))).toBe("COORDINATOR_NOT_AVAILABLE");
    await created;
    const deadline = rt.clock.monotonicMs() + 5_000;
    while (s.partitionStates().join() !== "ready,ready,ready") {
      if (rt.clock.monotonicMs() > deadline) throw new Error("not loaded within 5 s");
      await rt.timers.sleep(10);
    }
    expect(asked).toEqual([3, 3, 3]);
    await commit(s, 1);
    expect(await committed(s)).toBe(1);
  });

  it("takes TOPIC_ALREADY_EXISTS as another broker having created it", async () => {
    const node = cluster.node(2);
    // Another broker's creation commits while this one asks.
    node.createInternalTopic = async (request) => {
      await broker.createInternalTopic(request);
      throw new TributaryError("TOPIC_ALREADY_EXISTS", `${request.name} already exists`);
    };
    const s = await start(node);
    expect(s.offsetsPartitions).toBe(PARTITIONS);
    expect(s.partitionStates()).toEqual(["idle", "idle", "idle"]);
    expect(reported).toEqual([]);
  });

  it("refuses to start with an impossible replication factor", async () => {
    await expect(start(cluster.node(1), { offsetsTopicReplicationFactor: 0 })).rejects.toThrow(
      /offsets.topic.replication.factor/,
    );
  });
});
