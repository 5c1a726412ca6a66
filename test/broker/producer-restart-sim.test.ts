// Idempotent producer state across restarts, on the simulated runtime: a producer whose last
// batch lies far behind the log end (more than 20,000 offsets and 8 MiB of other producers'
// data, what the broker used to rescan) is still known after a clean restart and after a power
// cut: its next sequence is accepted, a gap is refused and a retry of its last batch is answered
// with the original offsets instead of being written again. Idle producers expire by the clock.
import { describe, expect, it } from "vitest";
import { SimWorld } from "../../runtime/sim/world.ts";
import type { Runtime } from "../../runtime/types.ts";
import { Broker, type BrokerOptions } from "../../src/broker/broker.ts";
import { listSnapshotOffsets } from "../../src/broker/producer-snapshots.ts";
import { encodeBatch } from "../../src/log/record-batch.ts";
import { fixedSeedNames, runWatched } from "../support/sim-seeds.ts";
import { batch, codeOf } from "./helpers.ts";

const bounds = { maxSteps: 2_000_000, maxVirtualMs: 600_000 };
const options = { nodeId: 1, dataDir: "/data", host: "127.0.0.1", port: 0 };
const PARTITION_DIR = "/data/t-0";
const OTHER_REQUESTS = 24;
const OTHER_RECORDS = 1000;
const OTHER_VALUE_BYTES = 400;

/** 24,000 offsets and about 9.6 MiB of records from producers other than the one under test. */
async function writeOthers(broker: Broker, nowMs: number, otherPid: number, seq0: number) {
  const value = new Uint8Array(OTHER_VALUE_BYTES).fill(7);
  for (let i = 0; i < OTHER_REQUESTS; i++) {
    const records = Array.from(
      { length: OTHER_RECORDS },
      () => ({ key: null, value, timestamp: nowMs }),
    );
    // Every other request is idempotent (another producer), the rest plain.
    const idempotent = i % 2 === 0;
    const bytes = encodeBatch({
      records,
      ...(idempotent
        ? {
          producerId: otherPid,
          producerEpoch: 0,
          baseSequence: seq0 + (i / 2) * OTHER_RECORDS,
        }
        : {}),
    });
    await broker.produce({ topic: "t", partition: 0, batches: bytes, acks: -1 });
  }
}

async function openBroker(rt: Runtime, extra: Partial<BrokerOptions> = {}) {
  return await Broker.open(rt, { ...options, ...extra });
}

const FILE = "test/broker/producer-restart-sim.test.ts";
const KNOWS = "knows a producer far behind the log end after a clean restart and a crash";
const CORRUPT = "ignores a corrupt newest snapshot and uses the older one and the log";
const FORGETS = "forgets a producer idle past producer.id.expiration.ms, by the clock";

describe("idempotent producer state across restarts (sim)", () => {
  it(KNOWS, async () => {
    const world = new SimWorld({ seed: 7 });
    const rt = world.runtime("b1");
    const pb = (pid: number, seq: number, v: string) =>
      batch([v], {
        producerId: pid,
        producerEpoch: 0,
        baseSequence: seq,
        timestamp: rt.clock.nowMs(),
      });
    try {
      await runWatched(world, fixedSeedNames(FILE, KNOWS), async () => {
        let broker = await openBroker(rt);
        await broker.createTopic({ name: "t", configs: { "segment.bytes": String(1 << 20) } });
        const { producerId: pid } = await broker.initProducerId();
        const { producerId: other } = await broker.initProducerId();
        const produce = (bytes: Uint8Array) =>
          broker.produce({ topic: "t", partition: 0, batches: bytes, acks: -1 });
        const offsets: number[] = [];
        for (let seq = 0; seq < 3; seq++) {
          offsets.push((await produce(pb(pid, seq, `p${seq}`))).baseOffset);
        }
        await writeOthers(broker, rt.clock.nowMs(), other, 0);
        const leo = broker.describeTopic("t").partitions[0].highWatermark;
        expect(leo - offsets[2]).toBeGreaterThan(20_000);

        // Clean restart.
        await broker.close();
        broker = await openBroker(rt);
        expect((await produce(pb(pid, 2, "p2"))).baseOffset).toBe(offsets[2]);
        expect(await codeOf(produce(pb(pid, 4, "gap")))).toBe("OUT_OF_ORDER_SEQUENCE_NUMBER");
        offsets.push((await produce(pb(pid, 3, "p3"))).baseOffset);
        expect(offsets[3]).toBe(leo);
        await writeOthers(broker, rt.clock.nowMs(), other, OTHER_REQUESTS / 2 * OTHER_RECORDS);
        const leo2 = broker.describeTopic("t").partitions[0].highWatermark;

        // Power cut: no clean-shutdown snapshot, the newest one from a roll is used.
        world.crash("b1");
        broker = await openBroker(rt);
        expect(broker.describeTopic("t").partitions[0].highWatermark).toBe(leo2);
        expect((await produce(pb(pid, 3, "p3"))).baseOffset).toBe(offsets[3]);
        expect(await codeOf(produce(pb(pid, 5, "gap")))).toBe("OUT_OF_ORDER_SEQUENCE_NUMBER");
        expect((await produce(pb(pid, 4, "p4"))).baseOffset).toBe(leo2);
        // The other idempotent producer continues too.
        const otherNext = OTHER_REQUESTS * OTHER_RECORDS;
        expect((await produce(pb(other, otherNext, "o"))).baseOffset).toBe(leo2 + 1);
        const snapshots = await listSnapshotOffsets(rt.fs, PARTITION_DIR);
        expect(snapshots.length).toBeGreaterThan(0);
        expect(snapshots.length).toBeLessThanOrEqual(2);
        await broker.close();
      }, bounds);
    } catch (err) {
      throw new Error(`${world.describe()}: ${String(err)}`, { cause: err });
    }
  });

  it(CORRUPT, async () => {
    const world = new SimWorld({ seed: 11 });
    const rt = world.runtime("b1");
    const pb = (pid: number, seq: number, v: string) =>
      batch([v], {
        producerId: pid,
        producerEpoch: 0,
        baseSequence: seq,
        timestamp: rt.clock.nowMs(),
      });
    await runWatched(world, fixedSeedNames(FILE, CORRUPT), async () => {
      let broker = await openBroker(rt);
      await broker.createTopic({ name: "t", configs: { "segment.bytes": String(1 << 20) } });
      const { producerId: pid } = await broker.initProducerId();
      const produce = (bytes: Uint8Array) =>
        broker.produce({ topic: "t", partition: 0, batches: bytes, acks: -1 });
      const first = await produce(pb(pid, 0, "p0"));
      await writeOthers(broker, rt.clock.nowMs(), 999_999, 0);
      await broker.close();
      const snapshots = await listSnapshotOffsets(rt.fs, PARTITION_DIR);
      expect(snapshots.length).toBe(2);
      const newest = `${PARTITION_DIR}/${String(snapshots[1]).padStart(20, "0")}.snapshot`;
      const bytes = await rt.fs.readFile(newest);
      bytes[bytes.length - 1] ^= 0xff;
      const file = await rt.fs.open(newest, { write: true });
      await file.writeAt(bytes, 0);
      await file.sync();
      await file.close();
      broker = await openBroker(rt);
      expect((await produce(pb(pid, 0, "p0"))).baseOffset).toBe(first.baseOffset);
      expect(await rt.fs.exists(newest)).toBe(false);
      await broker.close();
    }, bounds);
  });

  it(FORGETS, async () => {
    const world = new SimWorld({ seed: 3 });
    const rt = world.runtime("b1");
    const pb = (pid: number, seq: number, v: string) =>
      batch([v], {
        producerId: pid,
        producerEpoch: 0,
        baseSequence: seq,
        timestamp: rt.clock.nowMs(),
      });
    await runWatched(world, fixedSeedNames(FILE, FORGETS), async () => {
      const extra = { producerIdExpirationMs: 60_000, retentionCheckIntervalMs: 5_000 };
      let broker = await openBroker(rt, extra);
      await broker.createTopic({ name: "t" });
      const { producerId: idle } = await broker.initProducerId();
      const { producerId: busy } = await broker.initProducerId();
      const produce = (bytes: Uint8Array) =>
        broker.produce({ topic: "t", partition: 0, batches: bytes, acks: -1 });
      const idleFirst = await produce(pb(idle, 0, "i0"));
      await rt.timers.sleep(40_000);
      const busyFirst = await produce(pb(busy, 0, "b0"));
      await rt.timers.sleep(25_000);
      // 65 s after its batch the idle producer is gone (a retry is written again); the busy
      // one, 25 s idle, is still known.
      expect((await produce(pb(idle, 0, "i0"))).baseOffset).not.toBe(idleFirst.baseOffset);
      expect((await produce(pb(busy, 0, "b0"))).baseOffset).toBe(busyFirst.baseOffset);
      // After a restart 70 s later the snapshot's busy producer has expired too.
      await broker.close();
      await rt.timers.sleep(70_000);
      broker = await openBroker(rt, extra);
      expect((await produce(pb(busy, 0, "b0"))).baseOffset).not.toBe(busyFirst.baseOffset);
      await broker.close();
    }, bounds);
  });
});
