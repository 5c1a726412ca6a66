// Producer, Consumer (alone and in a group) and Admin through leader changes, dropped
// connections, dead bootstrap brokers and a moved coordinator, against the in-memory
// multi-broker cluster of support/fake-cluster.ts (issue 11 §3): the application sees no error
// within the clients' retries, every record is written once and in order, positions are kept;
// past the retries the typed error reaches the application.
import { afterEach, describe, expect, it } from "vitest";
import { createNodeRuntime } from "../../runtime/node/mod.ts";
import { Admin } from "../../src/client/admin.ts";
import { Consumer, type ConsumerRecord } from "../../src/client/consumer.ts";
import { Producer } from "../../src/client/producer.ts";
import { encodeBatch } from "../../src/log/record-batch.ts";
import { TributaryError } from "../../src/model/errors.ts";
import { eventually } from "../support/eventually.ts";
import { FakeCluster } from "./support/fake-cluster.ts";

const rt = createNodeRuntime();
const enc = new TextEncoder();
const dec = new TextDecoder();
const closers: Array<() => Promise<void>> = [];

afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

function producer(cluster: FakeCluster, options: Record<string, unknown> = {}): Producer {
  const p = new Producer(rt, {
    bootstrap: cluster.bootstrap(),
    connector: cluster.connector(),
    lingerMs: 0,
    batchBytes: 120,
    retryBackoffMs: 5,
    retryBackoffMsMax: 20,
    ...options,
  });
  closers.push(() => p.close().catch(() => undefined));
  return p;
}

function consumer(cluster: FakeCluster, options: Record<string, unknown> = {}): Consumer {
  const c = new Consumer(rt, {
    bootstrap: cluster.bootstrap(),
    connector: cluster.connector(),
    retryBackoffMs: 5,
    fetchMaxWaitMs: 20,
    autoOffsetReset: "earliest",
    ...options,
  });
  closers.push(() => c.close().catch(() => undefined));
  return c;
}

function values(from: number, count: number): string[] {
  return Array.from({ length: count }, (_, i) => `v${from + i}`);
}

/** Sends every value to partition 0 without waiting in between; resolves with the offsets. */
function sendAll(p: Producer, topic: string, list: string[], partition = 0): Promise<number[]> {
  return Promise.all(
    list.map(async (v) => (await p.send({ topic, partition, value: enc.encode(v) })).offset),
  );
}

function appendValues(cluster: FakeCluster, topic: string, list: string[]): void {
  const records = list.map((v) => ({ key: null, value: enc.encode(v), timestamp: 1 }));
  cluster.append(topic, 0, encodeBatch({ records }));
}

async function readValues(c: Consumer, count: number): Promise<ConsumerRecord[]> {
  const out: ConsumerRecord[] = [];
  for (let i = 0; i < 200 && out.length < count; i++) {
    out.push(...(await c.poll({ timeoutMs: 100 })));
  }
  return out;
}

function countOf(log: string[], entry: string): number {
  return log.filter((l) => l === entry).length;
}

describe("client failover", () => {
  it("producer: leader moves mid-produce after writing a batch whose answer is lost", async () => {
    const cluster = new FakeCluster([1, 2, 3]);
    cluster.createTopic("t", 1, [1]);
    let produced = 0;
    cluster.after = (node, op) => {
      if (node !== 1 || op !== "Produce" || ++produced !== 3) return;
      // Written on the old leader (and so on every replica), then the leader dies unanswered;
      // for a moment no leader is elected, then broker 2 leads.
      cluster.moveLeader("t", 0, -1);
      cluster.kill(1);
      setTimeout(() => cluster.moveLeader("t", 0, 2), 30);
      throw new TributaryError("NETWORK_EXCEPTION", "test: leader died before answering");
    };
    const p = producer(cluster, { acks: "all" });
    const sent = values(0, 200);
    const offsets = await sendAll(p, "t", sent);
    expect(cluster.values("t", 0)).toEqual(sent);
    expect(offsets).toEqual(sent.map((_, i) => i));
    expect(countOf(cluster.log, "2 Produce")).toBeGreaterThan(0);
  });

  it("producer: every partition moving at once costs a few coalesced Metadata requests", async () => {
    const cluster = new FakeCluster([1, 2]);
    cluster.createTopic("t", 8, [1]);
    const p = producer(cluster, { acks: "all" });
    await Promise.all(
      Array.from({ length: 8 }, (_, i) => sendAll(p, "t", [`warm${i}`], i)),
    );
    const metadataBefore = cluster.log.filter((l) => l.endsWith("Metadata")).length;
    for (let i = 0; i < 8; i++) cluster.moveLeader("t", i, 2);
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) => sendAll(p, "t", values(i * 10, 10), i)),
    );
    for (let i = 0; i < 8; i++) {
      expect(cluster.values("t", i)).toEqual([`warm${i}`, ...values(i * 10, 10)]);
      expect(results[i]).toEqual(values(0, 10).map((_, j) => j + 1));
    }
    const refreshes = cluster.log.filter((l) => l.endsWith("Metadata")).length - metadataBefore;
    expect(refreshes).toBeGreaterThan(0);
    expect(refreshes).toBeLessThanOrEqual(3);
  });

  it("producer: NOT_LEADER_OR_FOLLOWER is resent as soon as fresh metadata names the new leader", async () => {
    // The retry backoff is long here: a resend that waited it out (and the hold of the route
    // refresh on top, as before) would take 1.8 s or more; one that waits only for the Metadata
    // answer takes a few ms. The cluster client's own pacing (1 s since the topic's previous
    // refresh) has passed before the leader moves.
    const backoffMs = 1_000;
    const cluster = new FakeCluster([1, 2]);
    cluster.createTopic("t", 1, [1]);
    const p = producer(cluster, {
      acks: "all",
      retryBackoffMs: backoffMs,
      retryBackoffMsMax: backoffMs,
    });
    await sendAll(p, "t", ["first"]);
    await new Promise((r) => setTimeout(r, backoffMs + 50));
    cluster.moveLeader("t", 0, 2);
    const started = performance.now();
    await sendAll(p, "t", ["second"]);
    const tookMs = performance.now() - started;
    expect(countOf(cluster.log, "2 Produce")).toBe(1);
    expect(cluster.values("t", 0)).toEqual(["first", "second"]);
    expect(tookMs).toBeLessThan(backoffMs * 0.8);
  });

  it("producer: a dropped connection makes it refresh and carry on", async () => {
    const cluster = new FakeCluster([1, 2]);
    cluster.createTopic("t", 1, [1]);
    let produced = 0;
    cluster.hook = (node, op) => {
      if (node === 1 && op === "Produce" && ++produced === 4) cluster.dropConnections(1);
    };
    const p = producer(cluster, { acks: "all" });
    const sent = values(0, 100);
    await sendAll(p, "t", sent);
    expect(cluster.values("t", 0)).toEqual(sent);
    expect(countOf(cluster.log, "1 Metadata") + countOf(cluster.log, "2 Metadata"))
      .toBeGreaterThan(1);
  });

  it("a dead bootstrap broker is skipped: producer, consumer and admin go to the next", async () => {
    const cluster = new FakeCluster([1, 2, 3]);
    cluster.createTopic("t", 1, [2]);
    cluster.kill(1);
    const p = producer(cluster);
    await sendAll(p, "t", values(0, 5));
    const admin = new Admin(rt, { bootstrap: cluster.bootstrap(), connector: cluster.connector() });
    closers.push(() => admin.close());
    expect((await admin.describeTopic("t")).partitions[0].leader).toBe(2);
    expect((await admin.listOffsets("t", 0, "latest")).offset).toBe(5);
    const c = consumer(cluster);
    c.assign([{ topic: "t", partition: 0 }]);
    expect((await readValues(c, 5)).map((r) => dec.decode(r.value ?? undefined))).toEqual(
      values(0, 5),
    );
    expect(cluster.log.filter((l) => l.startsWith("1 "))).toEqual([]);
  });

  it("consumer: keeps its position across a leader move and resumes on the new leader", async () => {
    const cluster = new FakeCluster([1, 2]);
    cluster.createTopic("t", 1, [1]);
    appendValues(cluster, "t", values(0, 10));
    const c = consumer(cluster);
    c.assign([{ topic: "t", partition: 0 }]);
    const first = await readValues(c, 10);
    cluster.moveLeader("t", 0, 2);
    appendValues(cluster, "t", values(10, 10));
    const second = await readValues(c, 10);
    expect([...first, ...second].map((r) => r.offset)).toEqual(values(0, 20).map((_, i) => i));
    expect(second.map((r) => dec.decode(r.value ?? undefined))).toEqual(values(10, 10));
    expect(countOf(cluster.log, "2 Fetch")).toBeGreaterThan(0);
  });

  it("group: NOT_COORDINATOR makes the member find the new coordinator; commits land there", async () => {
    const cluster = new FakeCluster([1, 2], { t: 1 });
    cluster.createTopic("t", 1, [1]);
    appendValues(cluster, "t", values(0, 5));
    const c = consumer(cluster, { groupId: "g", topics: ["t"], enableAutoCommit: false });
    expect(await readValues(c, 5)).toHaveLength(5);
    await c.commit();
    cluster.coordinator = 2;
    appendValues(cluster, "t", values(5, 5));
    const more = await readValues(c, 5);
    expect(more.map((r) => r.offset)).toEqual([5, 6, 7, 8, 9]);
    await c.commit();
    expect(
      countOf(cluster.log, "1 ConsumerGroupHeartbeat") + countOf(cluster.log, "1 OffsetCommit"),
    )
      .toBeGreaterThan(0);
    expect(countOf(cluster.log, "2 OffsetCommit")).toBeGreaterThan(0);
    expect(countOf(cluster.log, "1 FindCoordinator") + countOf(cluster.log, "2 FindCoordinator"))
      .toBeGreaterThanOrEqual(2);
    const committed = await c.committed([{ topic: "t", partition: 0 }]);
    expect(committed[0].offset).toBe(10);
  });

  it("group: the coordinator's and leader's broker dies; the member carries on elsewhere", async () => {
    const cluster = new FakeCluster([1, 2, 3], { t: 1 });
    cluster.createTopic("t", 1, [1]);
    appendValues(cluster, "t", values(0, 5));
    const c = consumer(cluster, { groupId: "g", topics: ["t"], enableAutoCommit: false });
    expect(await readValues(c, 5)).toHaveLength(5);
    await c.commit();
    cluster.kill(1);
    cluster.coordinator = 3;
    cluster.moveLeader("t", 0, 2);
    appendValues(cluster, "t", values(5, 5));
    expect((await readValues(c, 5)).map((r) => r.offset)).toEqual([5, 6, 7, 8, 9]);
    await c.commit();
    expect(countOf(cluster.log, "3 OffsetCommit")).toBe(1);
    expect((await c.committed([{ topic: "t", partition: 0 }]))[0].offset).toBe(10);
  });

  it("admin: finds a moved coordinator and a moved leader within its retries", async () => {
    const cluster = new FakeCluster([1, 2], { t: 1 });
    cluster.createTopic("t", 1, [1]);
    appendValues(cluster, "t", values(0, 3));
    const admin = new Admin(rt, {
      bootstrap: cluster.bootstrap(),
      connector: cluster.connector(),
      retryBackoffMs: 5,
    });
    closers.push(() => admin.close());
    expect((await admin.listOffsets("t", 0, "latest")).offset).toBe(3);
    cluster.moveLeader("t", 0, 2);
    expect((await admin.listOffsets("t", 0, "latest")).offset).toBe(3);
    expect(countOf(cluster.log, "2 ListOffsets")).toBe(1);
    // FindCoordinator answers node 1, which already handed the group to node 2.
    let moved = false;
    cluster.hook = (node, op) => {
      if (node === 1 && op === "OffsetFetch" && !moved) {
        moved = true;
        cluster.coordinator = 2;
      }
    };
    expect(await admin.fetchOffsets("g")).toEqual([]);
    expect(countOf(cluster.log, "2 OffsetFetch")).toBe(1);
  });

  for (
    const code of [
      "FENCED_LEADER_EPOCH",
      "UNKNOWN_LEADER_EPOCH",
      "LEADER_NOT_AVAILABLE",
      "UNKNOWN_TOPIC_OR_PARTITION",
      "REQUEST_TIMED_OUT",
    ] as const
  ) {
    it(`${code} from a partition refreshes metadata, then the clients carry on`, async () => {
      const cluster = new FakeCluster([1, 2]);
      cluster.createTopic("t", 1, [1]);
      const p = producer(cluster);
      await sendAll(p, "t", ["first"]);
      const metadata = () => cluster.log.filter((l) => l.endsWith("Metadata")).length;
      const before = metadata();
      cluster.failNext("Produce", code);
      await sendAll(p, "t", ["second"]);
      expect(metadata()).toBeGreaterThan(before);
      expect(cluster.values("t", 0)).toEqual(["first", "second"]);

      const c = consumer(cluster);
      c.assign([{ topic: "t", partition: 0 }]);
      expect((await readValues(c, 2)).map((r) => r.offset)).toEqual([0, 1]);
      const fetchedBefore = metadata();
      cluster.failNext("Fetch", code, 2);
      await sendAll(p, "t", ["third"]);
      expect((await readValues(c, 1)).map((r) => r.offset)).toEqual([2]);
      expect(metadata()).toBeGreaterThan(fetchedBefore);
    });
  }

  it("retries exhausted: the typed error reaches the app", async () => {
    const cluster = new FakeCluster([1, 2]);
    cluster.createTopic("t", 1, [1]);
    cluster.hook = (_node, op) => {
      if (op === "Produce") throw new TributaryError("NOT_LEADER_OR_FOLLOWER", "test: never led");
    };
    const p = producer(cluster, { retries: 3 });
    const err = await p.send({ topic: "t", partition: 0, value: enc.encode("x") }).catch((e) => e);
    expect(err).toBeInstanceOf(TributaryError);
    expect((err as TributaryError).code).toBe("NOT_LEADER_OR_FOLLOWER");
    expect(countOf(cluster.log, "1 Produce")).toBe(4);

    const c = consumer(cluster, { retries: 2 });
    cluster.hook = (_node, op) => {
      if (op === "Fetch") throw new TributaryError("NETWORK_EXCEPTION", "test: unreachable");
    };
    c.assign([{ topic: "t", partition: 0 }]);
    let polled: unknown = null;
    for (let i = 0; i < 100 && polled === null; i++) {
      polled = await c.poll({ timeoutMs: 50 }).then(() => null, (e) => e);
    }
    expect((polled as TributaryError).code).toBe("NETWORK_EXCEPTION");
    expect(countOf(cluster.log, "1 Fetch")).toBeGreaterThanOrEqual(3);

    for (const node of [1, 2]) cluster.kill(node);
    const admin = new Admin(rt, {
      bootstrap: cluster.bootstrap(),
      connector: cluster.connector(),
      retries: 2,
      retryBackoffMs: 1,
    });
    closers.push(() => admin.close());
    const adminErr = await admin.listTopics().catch((e) => e);
    expect((adminErr as TributaryError).code).toBe("NETWORK_EXCEPTION");
  });

  it("producer: a batch still unacknowledged after deliveryTimeoutMs fails REQUEST_TIMED_OUT", async () => {
    const cluster = new FakeCluster([1]);
    cluster.createTopic("t", 1, [-1]);
    const p = producer(cluster, { deliveryTimeoutMs: 200 });
    const started = Date.now();
    const err = await p.send({ topic: "t", partition: 0, value: enc.encode("x") }).catch((e) => e);
    expect((err as TributaryError).code).toBe("REQUEST_TIMED_OUT");
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
    // Leaderless the whole time: nothing was ever sent, only metadata asked again.
    expect(countOf(cluster.log, "1 Produce")).toBe(0);
    await eventually(() => countOf(cluster.log, "1 Metadata") > 2);
  });
});
