// Named scenario (issue 11 §5): a partition leader cut off from the rest of the cluster (its
// controller quorum and its followers) but still reachable by producers. With RF 3 and
// min.insync.replicas 2 it must not acknowledge an acks=all produce once cut off (nothing it
// writes can reach a second replica, and it cannot shrink the ISR without the controller); the
// cluster fences it, elects a leader among the others, and every record acknowledged before
// the cut is on that new leader at its offset.
import { describe, expect, it } from "vitest";
import { SimWorld } from "../../../runtime/sim/world.ts";
import { Producer } from "../../../src/client/producer.ts";
import { Consumer } from "../../../src/client/consumer.ts";
import { leaderSeenBy, startSimCluster, until } from "./support.ts";

const bounds = { maxSteps: 10_000_000, maxVirtualMs: 300_000 };
const decoder = new TextDecoder();

describe("scenario: a leader isolated from the cluster but reachable by producers", () => {
  for (const seed of [1, 2, 3]) {
    it(
      `acknowledges nothing once cut off; the new leader has every acknowledged record (seed ${seed})`,
      async () => {
        const world = new SimWorld({ seed });
        const crt = world.runtime("client");
        const cluster = await world.run(() => startSimCluster(world), bounds);
        await world.run(async () => {
          const admin = cluster.admin();
          await until(
            world,
            () => [...cluster.nodes.values()].every((n) => !n.membership.state.fenced),
            "unfenced",
          );
          await admin.createTopic("t", {
            partitions: 1,
            replicationFactor: 3,
            configs: { "min.insync.replicas": "2" },
          });
          await until(world, () => leaderSeenBy(cluster, 1, "t", 0) !== undefined, "topic");
          const leader = leaderSeenBy(cluster, 1, "t", 0)!;
          const others = [...cluster.nodes.keys()].filter((id) => id !== leader);
          // A producer straight at the leader: it sees only that broker, as a client on the
          // leader's side of the cut would.
          const producer = new Producer(crt, {
            bootstrap: `n${leader}:9093`,
            acks: "all",
            lingerMs: 0,
            requestTimeoutMs: 3_000,
            deliveryTimeoutMs: 60_000,
          });
          const acked = new Map<string, { offset: number; atMs: number }>();
          const send = (value: string) =>
            producer.send({ topic: "t", partition: 0, value }).then(
              (r) => void acked.set(value, { offset: r.offset, atMs: crt.clock.nowMs() }),
              () => {},
            );
          await Promise.all(Array.from({ length: 20 }, (_, i) => send(`before-${i}`)));
          expect(acked.size).toBe(20);
          const cutAtMs = crt.clock.nowMs();
          for (const id of others) world.net.partition(`n${leader}`, `n${id}`);
          const during = Array.from({ length: 20 }, (_, i) => send(`during-${i}`));
          // The others fence it and elect one of themselves.
          await until(
            world,
            () =>
              others.every((id) => {
                const l = leaderSeenBy(cluster, id, "t", 0);
                return l !== undefined && l !== leader && l >= 0;
              }),
            "a new leader among the others",
          );
          const newLeader = leaderSeenBy(cluster, others[0], "t", 0)!;
          await crt.timers.sleep(3_000);
          const ackedDuringCut = [...acked].filter(([, a]) => a.atMs > cutAtMs);
          expect(ackedDuringCut, "acknowledged by the isolated leader").toEqual([]);
          world.net.healAll();
          await Promise.allSettled(during);
          await producer.close();
          // Everything acknowledged is on the new leader at its offset, with its bytes.
          const consumer = new Consumer(crt, {
            bootstrap: `n${newLeader}:9093`,
            autoOffsetReset: "earliest",
          });
          consumer.assign([{ topic: "t", partition: 0 }]);
          const byOffset = new Map<number, string>();
          const readUntil = crt.clock.nowMs() + 20_000;
          for await (const r of consumer) {
            byOffset.set(r.offset, decoder.decode(r.value ?? new Uint8Array()));
            const all = [...acked].every(([v, a]) => byOffset.get(a.offset) === v);
            if (all || crt.clock.nowMs() > readUntil) break;
          }
          await consumer.close();
          for (const [value, a] of acked) expect(byOffset.get(a.offset), value).toBe(value);
          await admin.close();
          for (const n of cluster.nodes.values()) await n.close();
        }, bounds).catch((err) => {
          console.log(cluster.lines.slice(-60).join("\n"));
          throw err;
        });
      },
      120_000,
    );
  }
});
