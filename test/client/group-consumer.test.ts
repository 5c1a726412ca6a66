// The group Consumer's client logic (membership, reconciliation, commits, callbacks, fencing)
// against the real coordinator state machine in this process, with records from an embedded
// broker. test/e2e/groups*.test.ts runs the same against broker processes.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createNodeRuntime } from "../../runtime/node/mod.ts";
import { Admin } from "../../src/client/admin.ts";
import { Consumer, type ConsumerOptions, type TopicPartition } from "../../src/client/consumer.ts";
import { Producer } from "../../src/client/producer.ts";
import { TributaryError } from "../../src/model/errors.ts";
import { type RunningBroker, startBroker } from "../../src/server/start-broker.ts";
import { inProcessGroup } from "./support/in-process-group.ts";

const rt = createNodeRuntime();
const TOPIC = "orders";
const PARTITIONS = 4;
const RECORDS = 400;
const allPartitions = () =>
  Array.from({ length: PARTITIONS }, (_, partition) => ({ topic: TOPIC, partition }));
const names = (tps: TopicPartition[]) => tps.map((tp) => `${tp.topic}-${tp.partition}`).sort();

/** Polls until check() holds, at most timeoutMs. */
async function until(check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error("condition not reached in time");
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe("group Consumer against an in-process coordinator", () => {
  let broker: RunningBroker;

  beforeAll(async () => {
    broker = await startBroker(rt, { storage: "memory", port: 0, httpPort: null });
    const admin = new Admin(rt, { bootstrap: broker.bootstrap });
    await admin.createTopic(TOPIC, { partitions: PARTITIONS });
    await admin.close();
    const producer = new Producer(rt, { bootstrap: broker.bootstrap, lingerMs: 1 });
    await Promise.all(
      Array.from(
        { length: RECORDS },
        (_, i) => producer.send({ topic: TOPIC, partition: i % PARTITIONS, value: `v${i}` }),
      ),
    );
    await producer.close();
  });
  afterAll(async () => {
    await broker?.close();
  });

  function member(
    group: ReturnType<typeof inProcessGroup>,
    name: string,
    extra: Partial<ConsumerOptions> = {},
  ): Consumer {
    return new Consumer(rt, {
      bootstrap: broker.bootstrap,
      groupId: "g",
      topics: [TOPIC],
      groupClient: group.client(name),
      autoOffsetReset: "earliest",
      fetchMaxWaitMs: 50,
      retryBackoffMs: 20,
      ...extra,
    });
  }

  it("splits partitions between members, hands them over on close with commits", async () => {
    const group = inProcessGroup({ [TOPIC]: PARTITIONS });
    const events: string[] = [];
    const a = member(group, "a", {
      onPartitionsAssigned: (tps) => void events.push(`a+ ${names(tps)}`),
      onPartitionsRevoked: (tps) => {
        // Auto-commit ran before the callback: the coordinator already has a's positions.
        const committed = group.coordinator.fetchOffsets({ groupId: "g" }, Date.now());
        events.push(`a- ${names(tps)} committed=${committed.length}`);
      },
    });
    const seen = new Map<string, number>();
    /** Polls until `total` distinct records were seen (or 100 polls). */
    const drain = async (c: Consumer, total: number) => {
      for (let i = 0; i < 100 && seen.size < total; i++) {
        for (const r of await c.poll({ timeoutMs: 100 })) {
          const key = `${r.partition}/${r.offset}`;
          seen.set(key, (seen.get(key) ?? 0) + 1);
        }
      }
    };
    await until(() => a.assignment().length === PARTITIONS);
    await drain(a, RECORDS / 2);
    const b = member(group, "b");
    await until(() => a.assignment().length === 2 && b.assignment().length === 2);
    expect(events[0]).toBe(`a+ ${names(allPartitions())}`);
    expect(events.some((e) => /^a- .* committed=[1-9]\d*$/.test(e))).toBe(true);
    await Promise.all([drain(a, RECORDS), drain(b, RECORDS)]);
    expect(seen.size).toBe(RECORDS);
    await a.close();
    await until(() => b.assignment().length === PARTITIONS);
    const atEnd = async () => {
      const positions = await Promise.all(allPartitions().map((tp) => b.position(tp)));
      return positions.every((p) => p === RECORDS / PARTITIONS);
    };
    for (let i = 0; i < 100 && !(await atEnd()); i++) await b.poll({ timeoutMs: 50 });
    await b.close();
    const committed = group.coordinator.fetchOffsets({ groupId: "g" }, Date.now());
    expect(committed.map((o) => o.offset)).toEqual(Array(PARTITIONS).fill(RECORDS / PARTITIONS));
    expect(group.coordinator.describeGroup("g").members).toEqual([]);
    expect(group.log.filter((l) => l.endsWith("heartbeat -1"))).toHaveLength(2);
  });

  it("resumes from committed offsets and applies autoOffsetReset only without one", async () => {
    const group = inProcessGroup({ [TOPIC]: PARTITIONS });
    group.coordinator.resetOffsets({
      groupId: "g",
      offsets: [{ topic: TOPIC, partition: 0, offset: 90 }],
    }, Date.now());
    const latest = member(group, "a", { autoOffsetReset: "latest" });
    await until(() => latest.assignment().length === PARTITIONS);
    expect(await latest.position({ topic: TOPIC, partition: 0 })).toBe(90);
    expect(await latest.position({ topic: TOPIC, partition: 1 })).toBe(RECORDS / PARTITIONS);
    const got = await latest.poll({ timeoutMs: 2000 });
    expect(got.map((r) => [r.partition, r.offset])).toContainEqual([0, 90]);
    await latest.close();

    const none = member(group, "b", { autoOffsetReset: "none", groupId: "g2" });
    await until(() => none.assignment().length === PARTITIONS);
    await expect(none.poll({ timeoutMs: 2000 })).rejects.toMatchObject({
      code: "OFFSET_OUT_OF_RANGE",
    });
    await none.close();
  });

  it("commit() and commitAsync() commit handed-out positions; explicit offsets too", async () => {
    const group = inProcessGroup({ [TOPIC]: PARTITIONS });
    const c = member(group, "a", { enableAutoCommit: false });
    await until(() => c.assignment().length === PARTITIONS);
    const records = await c.poll({ timeoutMs: 2000, maxRecords: 5 });
    expect(records.length).toBeGreaterThan(0);
    await c.commit();
    const last = records[records.length - 1];
    const committed = await c.committed([{ topic: TOPIC, partition: last.partition }]);
    expect(committed).toEqual([{
      topic: TOPIC,
      partition: last.partition,
      offset: last.offset + 1,
    }]);
    const done = new Promise<unknown>((resolve) =>
      c.commitAsync([{ topic: TOPIC, partition: 3, offset: 7 }], resolve)
    );
    expect(await done).toBeNull();
    expect(await c.committed([{ topic: TOPIC, partition: 3 }])).toEqual([
      { topic: TOPIC, partition: 3, offset: 7 },
    ]);
    await c.close();
    // Without auto-commit, close() commits nothing more.
    expect(fetchAll(group).get(3)).toBe(7);
  });

  it("a member that stops heartbeating is removed; its commits are refused; it rejoins", async () => {
    const group = inProcessGroup({ [TOPIC]: PARTITIONS });
    const lost: string[] = [];
    const a = member(group, "a", {
      sessionTimeoutMs: 600,
      onPartitionsLost: (tps) => void lost.push(...names(tps)),
    });
    const b = member(group, "b", { sessionTimeoutMs: 600 });
    await until(() => a.assignment().length === 2 && b.assignment().length === 2);
    const before = a.groupMetadata()!;
    group.block("a");
    await until(() => b.assignment().length === PARTITIONS, 5000);
    const err = await a.commit([{ topic: TOPIC, partition: 0, offset: 1 }]).catch((e) => e);
    expect(err).toBeInstanceOf(TributaryError);
    expect(["UNKNOWN_MEMBER_ID", "FENCED_MEMBER_EPOCH"]).toContain(err.code);
    group.unblock("a");
    await until(() => lost.length === 2 && a.assignment().length === 2, 5000);
    expect(a.groupMetadata()!.memberEpoch).toBeGreaterThan(before.memberEpoch);
    await Promise.all([a.close(), b.close()]);
  });

  it("a static member leaves with epoch -2 and gets its partitions back on restart", async () => {
    const group = inProcessGroup({ [TOPIC]: PARTITIONS });
    const a = member(group, "a", { instanceId: "host-a", sessionTimeoutMs: 5000 });
    const b = member(group, "b", { instanceId: "host-b", sessionTimeoutMs: 5000 });
    await until(() => a.assignment().length === 2 && b.assignment().length === 2);
    const owned = names(a.assignment());
    await a.close();
    expect(group.log).toContain("a heartbeat -2");
    const again = member(group, "a2", { instanceId: "host-a", sessionTimeoutMs: 5000 });
    await until(() => again.assignment().length === 2);
    expect(names(again.assignment())).toEqual(owned);
    expect(names(b.assignment())).toHaveLength(2);
    await Promise.all([again.close(), b.close()]);
  });

  it("a slow revocation keeps heartbeating; the partitions move only once released", async () => {
    const group = inProcessGroup({ [TOPIC]: PARTITIONS });
    let b: Consumer | null = null;
    const duringCallback: string[][] = [];
    const lost: TopicPartition[] = [];
    const a = member(group, "a", {
      sessionTimeoutMs: 600,
      onPartitionsRevoked: async (tps) => {
        for (let i = 0; i < 5; i++) {
          duringCallback.push(names(b?.assignment() ?? []));
          await new Promise((r) => setTimeout(r, 300)); // 1.5 s in all: past the session timeout
        }
        expect(tps).toHaveLength(2);
      },
      onPartitionsLost: (tps) => void lost.push(...tps),
    });
    await until(() => a.assignment().length === PARTITIONS);
    b = member(group, "b", { sessionTimeoutMs: 600 });
    await until(() => b!.assignment().length === 2, 10_000);
    expect(duringCallback).toHaveLength(5);
    for (const seen of duringCallback) expect(seen).toEqual([]);
    expect(lost).toEqual([]);
    expect(a.assignment()).toHaveLength(2);
    await Promise.all([a.close(), b.close()]);
  });

  it("a fatal group error ends membership and every poll() reports it", async () => {
    const group = inProcessGroup({ [TOPIC]: PARTITIONS });
    const c = member(group, "a", { sessionTimeoutMs: 1 }); // below the coordinator's minimum
    for (let i = 0; i < 2; i++) {
      await expect(c.poll({ timeoutMs: 2000 })).rejects.toMatchObject({
        code: "INVALID_SESSION_TIMEOUT",
      });
    }
    expect(c.assignment()).toEqual([]);
    await c.close();
    expect(group.log.filter((l) => l.startsWith("a heartbeat"))).toEqual(["a heartbeat 0"]);
  });

  it("a throwing rebalance callback is reported by poll() and does not stop the rebalance", async () => {
    const group = inProcessGroup({ [TOPIC]: PARTITIONS });
    const boom = new Error("callback failed");
    const c = member(group, "a", {
      onPartitionsAssigned: () => {
        throw boom;
      },
    });
    await expect(c.poll({ timeoutMs: 5000 })).rejects.toBe(boom);
    await until(() => c.assignment().length === PARTITIONS);
    expect((await c.poll({ timeoutMs: 5000 })).length).toBeGreaterThan(0);
    await c.close();
  });

  it("refuses assign() in a group, and a group without topics", () => {
    const group = inProcessGroup({ [TOPIC]: PARTITIONS });
    expect(() => member(group, "x", { topics: [] })).toThrow(/groupId and topics/);
    const c = member(group, "y");
    expect(() => c.assign([{ topic: TOPIC, partition: 0 }])).toThrow(/assigned by the group/);
    return c.close();
  });
});

function fetchAll(group: ReturnType<typeof inProcessGroup>): Map<number, number> {
  const out = new Map<number, number>();
  for (const o of group.coordinator.fetchOffsets({ groupId: "g" }, Date.now())) {
    if (o.offset !== null) out.set(o.partition, o.offset);
  }
  return out;
}

describe("group Consumer against an embedded broker's coordinator", () => {
  it("iterates with for await, commits on close, and the next member resumes there", async () => {
    const broker = await startBroker(rt, { storage: "memory", port: 0, httpPort: null });
    try {
      const admin = new Admin(rt, { bootstrap: broker.bootstrap });
      await admin.createTopic("events", { partitions: 2 });
      const producer = new Producer(rt, { bootstrap: broker.bootstrap, lingerMs: 1 });
      await Promise.all(
        Array.from(
          { length: 20 },
          (_, i) => producer.send({ topic: "events", partition: i % 2, value: `e${i}` }),
        ),
      );
      await producer.close();
      const options: ConsumerOptions = {
        bootstrap: broker.bootstrap,
        groupId: "embedded",
        topics: ["events"],
        autoOffsetReset: "earliest",
        fetchMaxWaitMs: 50,
      };
      const assigned: string[] = [];
      const first = new Consumer(rt, {
        ...options,
        onPartitionsAssigned: (tps) => void assigned.push(...names(tps)),
      });
      let count = 0;
      for await (const record of first) {
        expect(record.topic).toBe("events");
        if (++count === 10) break;
      }
      await first.close();
      expect(assigned).toEqual(["events-0", "events-1"]);
      const offsets = await admin.fetchOffsets("embedded", ["events"]);
      expect(offsets.reduce((sum, o) => sum + (o.offset ?? 0), 0)).toBe(10);
      expect(offsets.reduce((sum, o) => sum + (o.lag ?? 0), 0)).toBe(10);

      const second = new Consumer(rt, options);
      const rest: number[] = [];
      for (let i = 0; i < 100 && rest.length < 10; i++) {
        rest.push(...(await second.poll({ timeoutMs: 100 })).map((r) => r.offset));
      }
      expect(rest).toHaveLength(10);
      for (const o of offsets) {
        expect(await second.position({ topic: "events", partition: o.partition })).toBe(10);
      }
      await second.close();
      expect((await admin.listGroups()).map((g) => [g.groupId, g.memberCount])).toEqual([
        ["embedded", 0],
      ]);
      await admin.deleteGroup("embedded");
      await expect(admin.describeGroup("embedded")).rejects.toMatchObject({
        code: "GROUP_ID_NOT_FOUND",
      });
      await admin.close();
    } finally {
      await broker.close();
    }
  });
});
