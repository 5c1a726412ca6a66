// A broker's membership against a fake active controller: it applies the committed metadata it
// fetches (batches and snapshots) in order, registers with its incarnation once the first fetch
// is in, heartbeats with its applied offset, registers again when the controller forgot it, and
// completes a controlled shutdown when the controller says it leads nothing.
import { describe, expect, it } from "vitest";
import { SimWorld } from "../../runtime/sim/world.ts";
import { BrokerMembership } from "../../src/cluster/broker-membership.ts";
import type {
  BrokerHeartbeatRequest,
  ControllerService,
  MetadataBatchBytes,
  MetadataFetchReply,
} from "../../src/model/cluster.ts";
import { TributaryError } from "../../src/model/errors.ts";
import { silentLogger } from "../../src/logging/logger.ts";
import { encodeMetadataRecord, type MetadataRecord } from "../../src/metadata/records.ts";
import type { MetadataDelta } from "../../src/metadata/delta.ts";

const bounds = { maxSteps: 200_000, maxVirtualMs: 120_000 };

function topic(name: string, id: string): MetadataRecord[] {
  return [
    { type: "TopicRecord", name, topicId: id, internal: false },
    {
      type: "PartitionRecord",
      topic: name,
      partition: 0,
      replicas: [1],
      leader: 1,
      leaderEpoch: 0,
    },
  ];
}

class FakeController {
  log: MetadataBatchBytes[] = [];
  snapshot: MetadataFetchReply["snapshot"] = null;
  heartbeats: BrokerHeartbeatRequest[] = [];
  registrations: string[] = [];
  forget = false;
  leadsNothing = false;
  /** Batches per answer (a real controller caps an answer's bytes). */
  answerBatchesMax = Infinity;
  #waiters: (() => void)[] = [];

  commit(records: MetadataRecord[]): void {
    const lastOffset = (this.log.at(-1)?.lastOffset ?? this.snapshot?.offset ?? 0) + 1;
    this.log.push({ lastOffset, epoch: 1, records: records.map(encodeMetadataRecord) });
    for (const w of this.#waiters.splice(0)) w();
  }

  service(rt: { timers: { sleep(ms: number): Promise<void> } }): ControllerService {
    const unused = () => Promise.reject(new Error("unused"));
    return {
      alterTopicConfigs: unused,
      fetchMetadata: async ({ fromOffset, maxWaitMs }) => {
        let batches = this.log.filter((b) => b.lastOffset >= fromOffset);
        if (batches.length === 0) {
          await Promise.race([
            new Promise<void>((r) => this.#waiters.push(r)),
            rt.timers.sleep(maxWaitMs),
          ]);
          batches = this.log.filter((b) => b.lastOffset >= fromOffset);
        }
        batches = batches.slice(0, this.answerBatchesMax);
        const useSnapshot = this.snapshot !== null && fromOffset <= this.snapshot.offset;
        return {
          epoch: 1,
          committedOffset: this.log.at(-1)?.lastOffset ?? 0,
          snapshot: useSnapshot ? this.snapshot : null,
          batches,
        };
      },
      registerBroker: async (r) => {
        this.registrations.push(r.incarnationId);
        this.forget = false;
        return { registeredAtOffset: this.log.at(-1)?.lastOffset ?? 0 };
      },
      brokerHeartbeat: async (r) => {
        this.heartbeats.push(r);
        if (this.forget) throw new TributaryError("STALE_BROKER_EPOCH", "who are you");
        return {
          fenced: r.appliedOffset < 1,
          caughtUp: r.appliedOffset >= 1,
          shutdownReady: r.wantShutdown && this.leadsNothing,
        };
      },
      alterPartition: unused,
      createTopics: unused,
      deleteTopics: unused,
      createPartitions: unused,
      reassignPartitions: unused,
      allocateProducerIds: unused,
      electLeaders: unused,
      receiveRaft: () => {},
    };
  }
}

function membership(rt: ReturnType<SimWorld["runtime"]>, controller: ControllerService) {
  return new BrokerMembership(rt, {
    brokerId: 1,
    clusterId: "c-1",
    incarnationId: "life-1",
    endpoints: [{ listener: "cbor", host: "127.0.0.1", port: 9093 }],
    rack: null,
    heartbeatIntervalMs: 250,
    controller,
    logger: silentLogger,
    fetchWaitMs: 500,
  });
}

describe("BrokerMembership", () => {
  it("applies committed batches in order and is unfenced once caught up", async () => {
    const world = new SimWorld({ seed: 1 });
    const rt = world.runtime("b1");
    const fake = new FakeController();
    fake.commit(topic("a", "id-a"));
    const m = membership(rt, fake.service(rt));
    const deltas: MetadataDelta[] = [];
    m.committed.subscribe((d) => void deltas.push(d));
    await world.run(async () => {
      m.start();
      await m.synced;
      await m.waitFor((s) => !s.fenced && s.caughtUp, 5_000);
      expect(fake.registrations).toEqual(["life-1"]);
      fake.commit(topic("b", "id-b"));
      await m.waitFor(() => m.committed.committedOffset === 2, 5_000);
      expect([...m.committed.image.topics()].map((t) => t.name).sort()).toEqual(["a", "b"]);
      expect(deltas.map((d) => d.topicsCreated.map((t) => t.name))).toEqual([["a"], ["b"]]);
      // Heartbeats report what was applied.
      expect(fake.heartbeats.at(-1)!.appliedOffset).toBeGreaterThanOrEqual(1);
      await m.close();
    }, bounds);
  });

  it("jumps to a snapshot when the controller no longer has the batches it needs", async () => {
    const world = new SimWorld({ seed: 2 });
    const rt = world.runtime("b1");
    const fake = new FakeController();
    fake.snapshot = { offset: 40, epoch: 1, records: topic("s", "id-s").map(encodeMetadataRecord) };
    fake.commit(topic("after", "id-after"));
    const m = membership(rt, fake.service(rt));
    await world.run(async () => {
      m.start();
      await m.waitFor(() => m.committed.committedOffset === 41, 5_000);
      expect([...m.committed.image.topics()].map((t) => t.name).sort()).toEqual(["after", "s"]);
      await m.close();
    }, bounds);
  });

  it("is synced only once it has applied what was committed when it started", async () => {
    // The broker tidies its data directory against the image it has when synced: an image cut
    // short by the answer's size cap would make it delete the partitions of later topics.
    const world = new SimWorld({ seed: 6 });
    const rt = world.runtime("b1");
    const fake = new FakeController();
    for (let i = 0; i < 5; i++) fake.commit(topic(`t${i}`, `id-${i}`));
    fake.answerBatchesMax = 2;
    const m = membership(rt, fake.service(rt));
    await world.run(async () => {
      m.start();
      await m.synced;
      expect(m.committed.committedOffset).toBe(5);
      expect([...m.committed.image.topics()].map((t) => t.name).sort()).toEqual(
        ["t0", "t1", "t2", "t3", "t4"],
      );
      await m.close();
    }, bounds);
  });

  it("registers again when the controller has forgotten this life", async () => {
    const world = new SimWorld({ seed: 3 });
    const rt = world.runtime("b1");
    const fake = new FakeController();
    fake.commit(topic("a", "id-a"));
    const m = membership(rt, fake.service(rt));
    await world.run(async () => {
      m.start();
      await m.waitFor((s) => !s.fenced, 5_000);
      fake.forget = true;
      await m.waitFor(() => fake.registrations.length === 2 && !m.state.fenced, 5_000);
      expect(fake.registrations).toEqual(["life-1", "life-1"]);
      await m.close();
    }, bounds);
  });

  it("finishes a controlled shutdown only once the controller says it leads nothing", async () => {
    const world = new SimWorld({ seed: 4 });
    const rt = world.runtime("b1");
    const fake = new FakeController();
    fake.commit(topic("a", "id-a"));
    const m = membership(rt, fake.service(rt));
    await world.run(async () => {
      m.start();
      await m.waitFor((s) => !s.fenced, 5_000);
      expect(await m.controlledShutdown(1_000)).toBe(false);
      expect(fake.heartbeats.at(-1)!.wantShutdown).toBe(true);
      rt.timers.setTimeout(() => (fake.leadsNothing = true), 600);
      const t0 = rt.clock.nowMs();
      expect(await m.controlledShutdown(5_000)).toBe(true);
      expect(rt.clock.nowMs() - t0).toBeGreaterThanOrEqual(600);
      await m.close();
    }, bounds);
  });

  it("is synced only once the fetched metadata carries the cluster id", async () => {
    // A fresh quorum's leader commits its no-op before the cluster id record: the first answer
    // a starting broker gets may hold nothing else, and the node must wait for the id.
    const world = new SimWorld({ seed: 5 });
    const rt = world.runtime("b1");
    const fake = new FakeController();
    fake.commit([]);
    const m = new BrokerMembership(rt, {
      brokerId: 1,
      clusterId: null,
      incarnationId: "life-1",
      endpoints: [{ listener: "cbor", host: "127.0.0.1", port: 9093 }],
      rack: null,
      heartbeatIntervalMs: 250,
      controller: fake.service(rt),
      logger: silentLogger,
      fetchWaitMs: 500,
    });
    await world.run(async () => {
      m.start();
      let synced = false;
      void m.synced.then(() => (synced = true));
      await m.waitFor(() => m.committed.committedOffset === 1, 5_000);
      await rt.timers.sleep(1_000);
      expect(synced).toBe(false);
      fake.commit([{ type: "ClusterIdRecord", clusterId: "c-9" }]);
      await m.synced;
      expect(m.clusterId).toBe("c-9");
      await m.close();
    }, bounds);
  });
});
