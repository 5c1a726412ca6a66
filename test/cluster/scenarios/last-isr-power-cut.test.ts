// Named scenario (issue 11): a power cut of a partition's last in-sync replica. Five real nodes,
// t-0 on three of them (leader L, followers A and B). A and B fetch acks=1 records and learn a
// high watermark over them, then are cut off; the controller fences them and the ISR shrinks to
// L alone. L loses power before it fsyncs those records (acks=1 is not fsynced; acks=all is),
// comes back as the only electable replica and leads with the shorter log. A and B hold the lost
// records below their high watermark. As in Kafka (clean election), they truncate to L's epoch
// end, below their HW, with a warning, and rejoin: the partition gets its RF 3 ISR back, every
// acks=all record is there and the replicas agree. Before the fix they refused (replica.diverged)
// and stayed offline forever.
import { describe, expect, it } from "vitest";
import { SimWorld } from "../../../runtime/sim/world.ts";
import { Producer } from "../../../src/client/producer.ts";
import { readReplica } from "../sim/replica-logs.ts";
import { leaderSeenBy, type SimCluster, startSimCluster, until } from "./support.ts";

const bounds = { maxSteps: 20_000_000, maxVirtualMs: 300_000 };
const NODES = 5;
const ACKS_ALL = 10;
const ACKS_ONE = 10;

function partitionSeenBy(cluster: SimCluster, id: number) {
  return cluster.nodes.get(id)?.membership.committed.image.topic("t")?.partitions[0];
}

function highWatermarkOn(cluster: SimCluster, id: number): number | undefined {
  return cluster.nodes.get(id)?.broker.partitionOffsets("t", 0)?.highWatermark;
}

describe("scenario: a power cut of a partition's last in-sync replica", () => {
  for (const seed of [1, 2]) {
    it(
      `followers holding its lost acks=1 records below their HW truncate and rejoin (seed ${seed})`,
      async () => {
        const world = new SimWorld({ seed });
        const crt = world.runtime("client");
        const cluster = await world.run(() => startSimCluster(world, NODES), bounds);
        await world.run(async () => {
          const ids = [...cluster.nodes.keys()];
          const admin = cluster.admin();
          await until(
            world,
            () => [...cluster.nodes.values()].every((n) => !n.membership.state.fenced),
            "unfenced",
          );
          await admin.createTopic("t", { partitions: 1, replicationFactor: 3 });
          await until(world, () => (partitionSeenBy(cluster, 1)?.leader ?? -1) >= 0, "topic");
          const leader = leaderSeenBy(cluster, 1, "t", 0)!;
          const followers = partitionSeenBy(cluster, 1)!.replicas.filter((id) => id !== leader);
          const bystanders = ids.filter((id) => id !== leader && !followers.includes(id));

          const producer = (acks: "all" | 1) =>
            new Producer(crt, {
              bootstrap: cluster.bootstrap,
              acks,
              lingerMs: 0,
              deliveryTimeoutMs: 30_000,
            });
          const all = producer("all");
          const acked = new Map<number, string>();
          for (let i = 0; i < ACKS_ALL; i++) {
            const value = `all-${i}`;
            acked.set((await all.send({ topic: "t", partition: 0, value })).offset, value);
          }
          const one = producer(1);
          for (let i = 0; i < ACKS_ONE; i++) {
            await one.send({ topic: "t", partition: 0, value: `one-${i}` });
          }
          await one.close();
          const end = ACKS_ALL + ACKS_ONE;
          // A and B hold the acks=1 records and have learnt a high watermark over them.
          await until(
            world,
            () => followers.every((id) => highWatermarkOn(cluster, id) === end),
            "followers learn HW over the acks=1 records",
          );

          // Cut A and B off: the controller (L and the bystanders keep a majority) fences them
          // and the ISR shrinks to L alone.
          for (const f of followers) {
            for (const other of ids) if (other !== f) world.net.partition(`n${f}`, `n${other}`);
          }
          await until(
            world,
            () =>
              bystanders.every((id) => partitionSeenBy(cluster, id)?.isr.join() === `${leader}`),
            "ISR shrinks to the leader",
          );

          // L loses power with the acks=1 records unsynced, and comes back.
          world.crash(`n${leader}`, { mode: "lose-all-unsynced" });
          const kept = await readReplica(world.node(`n${leader}`).fs, "/data/t-0", end + 1);
          expect(kept.length, "the power cut took the acks=1 records").toBe(ACKS_ALL);
          world.net.healAll();
          await cluster.start(leader);
          await until(
            world,
            () => {
              const p = partitionSeenBy(cluster, bystanders[0]);
              return p !== undefined && p.leader === leader && p.isr.length === 3;
            },
            "the partition regains an RF 3 ISR under the restarted leader",
          );
          await until(
            world,
            () => [leader, ...followers].every((id) => highWatermarkOn(cluster, id) === ACKS_ALL),
            "every replica reaches the leader's HW",
          );

          // Loud, once per follower, down to the leader's epoch end.
          const cuts = cluster.lines.filter((l) => l.includes("replica.truncated_below_hw"));
          expect(cuts).toHaveLength(2);
          for (const f of followers) {
            const line = cuts.find((l) => l.includes(`brokerId=${f} `));
            expect(line, `n${f} warned`).toMatch(/^\S+ WARN /);
            expect(line).toContain(`from=${end} to=${ACKS_ALL} highWatermark=${end}`);
            expect(cluster.nodes.get(f)!.replicas.metrics().truncationsBelowHighWatermark)
              .toBe(1);
            expect(cluster.nodes.get(f)!.metrics.render())
              .toMatch(/^tributary_replica_truncations_below_hw_total 1$/m);
          }
          expect(cluster.lines.filter((l) => l.includes("replica.diverged"))).toEqual([]);

          // Every acks=all record at its offset, and the three replicas agree byte for byte.
          const copies = await Promise.all(
            [leader, ...followers].map((id) =>
              readReplica(world.node(`n${id}`).fs, "/data/t-0", ACKS_ALL)
            ),
          );
          const leaderCopy = new Map(copies[0].map((r) => [r.offset, r.value]));
          for (const [offset, value] of acked) expect(leaderCopy.get(offset)).toBe(value);
          for (const copy of copies.slice(1)) expect(copy).toEqual(copies[0]);

          // And the partition takes acks=all writes on all three again.
          const next = await all.send({ topic: "t", partition: 0, value: "after" });
          expect(next.offset).toBe(ACKS_ALL);
          await all.close();
          await admin.close();
          for (const n of cluster.nodes.values()) await n.close();
        }, bounds).catch((err) => {
          console.log(cluster.lines.slice(-60).join("\n"));
          throw err;
        });
      },
      180_000,
    );
  }
});
