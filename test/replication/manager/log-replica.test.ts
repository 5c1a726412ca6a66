// LogReplica, the ReplicaLog over a bare PartitionLog, and PartitionLog.resetTo under it: a
// follower below the leader's log start starts over there, durably.
import { describe, expect, it } from "vitest";
import { SimWorld } from "../../../runtime/sim/world.ts";
import { PartitionLog } from "../../../src/log/partition-log.ts";
import { encodeBatch } from "../../../src/log/record-batch.ts";
import { LogReplica } from "../../../src/replication/manager/log-replica.ts";
import { fixedSeedNames, runWatched } from "../../support/sim-seeds.ts";
import { recordsOf } from "./support.ts";

const PATH = "test/replication/manager/log-replica.test.ts";
const bounds = { maxSteps: 1_000_000, maxVirtualMs: 60_000 };

function batchAt(baseOffset: number, value: string, epoch: number): Uint8Array {
  return encodeBatch({
    baseOffset,
    partitionLeaderEpoch: epoch,
    records: [{ key: null, value: new TextEncoder().encode(value), timestamp: 1 }],
  });
}

describe("LogReplica", () => {
  it("resetTo starts the log over past its end, and a crash keeps the new start", async () => {
    const title = "resetTo";
    const world = new SimWorld({ seed: 1 });
    const rt = world.runtime("b1");
    await runWatched(world, fixedSeedNames(PATH, title), async () => {
      const log = await PartitionLog.open(rt, "/data/t-0", {}, { leaderEpochs: true });
      const highWatermarks: number[] = [];
      const replica = new LogReplica(log, { onHighWatermark: (hw) => highWatermarks.push(hw) });
      for (let i = 0; i < 3; i++) await replica.appendReplicated(batchAt(i, `a${i}`, 0));
      replica.setHighWatermark(2);
      expect(replica.epochEntries()).toEqual([{ epoch: 0, startOffset: 0 }]);
      await replica.resetTo(10);
      expect([replica.logStartOffset, replica.logEndOffset, replica.highWatermark]).toEqual([
        10,
        10,
        10,
      ]);
      expect(replica.epochEntries()).toEqual([]);
      await replica.appendReplicated(batchAt(10, "b10", 1));
      expect(highWatermarks).toEqual([2, 10]);
      world.crash("b1");
      const reopened = await PartitionLog.open(rt, "/data/t-0", {}, { leaderEpochs: true });
      expect([reopened.logStartOffset, reopened.logEndOffset]).toEqual([10, 11]);
      expect((await recordsOf(reopened)).map((r) => r.value)).toEqual(["b10"]);
      expect(reopened.leaderEpochs!.entries()).toEqual([{ epoch: 1, startOffset: 10 }]);
      await reopened.close();
    }, bounds);
  });

  it("truncateTo clamps the HW to the new log end and reports it", async () => {
    const title = "truncateTo";
    const world = new SimWorld({ seed: 2 });
    const rt = world.runtime("b1");
    await runWatched(world, fixedSeedNames(PATH, title), async () => {
      const log = await PartitionLog.open(rt, "/data/t-0", {}, { leaderEpochs: true });
      const highWatermarks: number[] = [];
      const replica = new LogReplica(log, { onHighWatermark: (hw) => highWatermarks.push(hw) });
      for (let i = 0; i < 4; i++) {
        await replica.appendReplicated(batchAt(i, `a${i}`, i < 2 ? 0 : 1));
      }
      replica.setHighWatermark(4);
      await replica.truncateTo(2);
      expect([replica.logEndOffset, replica.highWatermark]).toEqual([2, 2]);
      // Reported, so a watcher of the HW sees it go back.
      expect(highWatermarks).toEqual([4, 2]);
      expect(replica.epochEntries()).toEqual([{ epoch: 0, startOffset: 0 }]);
      await log.close();
    }, bounds);
  });
});
