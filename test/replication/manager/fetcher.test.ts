// A follower broker's fetcher: one request in flight per leader broker, covering every
// partition it follows from that leader (Kafka's replica fetcher).
import { describe, expect, it } from "vitest";
import { SimWorld } from "../../../runtime/sim/world.ts";
import type { Runtime } from "../../../runtime/types.ts";
import { PartitionLog } from "../../../src/log/partition-log.ts";
import { encodeBatch } from "../../../src/log/record-batch.ts";
import type { CommittedPartition } from "../../../src/model/cluster.ts";
import { LogReplica } from "../../../src/replication/manager/log-replica.ts";
import type { PartitionKey } from "../../../src/replication/manager/partition-key.ts";
import type { ReplicaChannel } from "../../../src/replication/manager/replica-channel.ts";
import { ReplicaManager } from "../../../src/replication/manager/replica-manager.ts";
import { fixedSeedNames, runWatched } from "../../support/sim-seeds.ts";
import { recordsOf } from "./support.ts";

const PATH = "test/replication/manager/fetcher.test.ts";
const PARTITIONS = 3;
const keyOf = (partition: number): PartitionKey => ({ topic: "t", topicId: "id-t", partition });

async function openReplica(rt: Runtime, partition: number): Promise<LogReplica> {
  return new LogReplica(
    await PartitionLog.open(rt, `/data/t-${partition}`, {}, { leaderEpochs: true }),
  );
}

describe("ReplicaManager: the follower's fetcher", () => {
  it("sends one request at a time to a leader, for every partition it leads", async () => {
    const title = "one request in flight per leader";
    const world = new SimWorld({ seed: 1 });
    const rt1 = world.runtime("b1");
    const rt2 = world.runtime("b2");
    await runWatched(world, fixedSeedNames(PATH, title), async () => {
      let inFlight = 0;
      let inFlightMax = 0;
      const partitionsPerFetch: number[] = [];
      const leaderBox: { manager: ReplicaManager | null } = { manager: null };
      const around = async <T>(call: () => Promise<T>): Promise<T> => {
        inFlight++;
        inFlightMax = Math.max(inFlightMax, inFlight);
        try {
          await rt2.timers.sleep(2);
          const answer = await call();
          await rt2.timers.sleep(2);
          return answer;
        } finally {
          inFlight--;
        }
      };
      const channel: ReplicaChannel = {
        fetch: (leaderId, request) => {
          expect(leaderId).toBe(1);
          partitionsPerFetch.push(request.partitions.length);
          return around(() => leaderBox.manager!.replicaFetch(request));
        },
        epochEnd: (_leaderId, request) => around(() => leaderBox.manager!.epochEnd(request)),
        alterPartition: () => new Promise(() => {}),
      };
      const config = { replicaFetchWaitMaxMs: 100 };
      const leader = new ReplicaManager({
        runtime: rt1,
        brokerId: 1,
        incarnationId: "b1",
        channel,
        config,
      });
      leaderBox.manager = leader;
      const follower = new ReplicaManager({
        runtime: rt2,
        brokerId: 2,
        incarnationId: "b2",
        channel,
        config,
      });
      const committed: CommittedPartition = {
        leader: 1,
        leaderEpoch: 0,
        partitionEpoch: 0,
        replicas: [1, 2],
        isr: [1, 2],
      };
      const leaderLogs: LogReplica[] = [];
      const followerLogs: LogReplica[] = [];
      for (let p = 0; p < PARTITIONS; p++) {
        leaderLogs.push(await openReplica(rt1, p));
        followerLogs.push(await openReplica(rt2, p));
        await leader.becomeLeader(keyOf(p), committed, leaderLogs[p]);
        await follower.becomeFollower(keyOf(p), committed, followerLogs[p]);
      }
      const acks: Promise<unknown>[] = [];
      for (let round = 0; round < 5; round++) {
        for (let p = 0; p < PARTITIONS; p++) {
          const bytes = encodeBatch({
            records: [{
              key: null,
              value: new TextEncoder().encode(`p${p}r${round}`),
              timestamp: 1,
            }],
          });
          const { lastOffset } = await leaderLogs[p].log.append(bytes, {
            leaderEpoch: 0,
            durable: true,
          });
          leader.onLocalAppend(keyOf(p), leaderLogs[p].logEndOffset);
          acks.push(leader.waitAcksAll(keyOf(p), lastOffset, 5_000));
        }
        await rt1.timers.sleep(7);
      }
      expect(await Promise.all(acks)).toEqual(acks.map(() => null));
      expect(inFlightMax).toBe(1);
      expect(Math.max(...partitionsPerFetch)).toBe(PARTITIONS);
      for (let p = 0; p < PARTITIONS; p++) {
        expect(await recordsOf(followerLogs[p].log)).toEqual(await recordsOf(leaderLogs[p].log));
      }
      expect(follower.metrics()).toMatchObject({ followerPartitions: PARTITIONS, fetchLagMax: 0 });
      await follower.close();
      await leader.close();
    }, { maxSteps: 1_000_000, maxVirtualMs: 60_000 });
  });
});
