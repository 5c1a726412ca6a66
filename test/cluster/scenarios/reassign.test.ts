// Issue 11 §3: reassigning a partition's replicas with the data copied before the old replica
// goes. Four real nodes in one SimWorld (1-3 voters and brokers, 4 broker-only, started after
// the topic exists): an RF 3 topic on {1, 2, 3} with data is moved to 4 and two of the three
// while an acks=all producer keeps producing; the one dropped is the leader. Broker 4 copies the
// log and joins the ISR, only then is the old leader dropped (its directory removed), leadership
// moves to 4 (the target's first), and every acknowledged record is in 4's log at
// its offset; the producer sees no error.
import { describe, expect, it } from "vitest";
import { SimWorld } from "../../../runtime/sim/world.ts";
import { Consumer } from "../../../src/client/consumer.ts";
import { Producer } from "../../../src/client/producer.ts";
import { runCli } from "../../../src/cli/run.ts";
import type { HostProcess } from "../../../runtime/types.ts";
import { startClusterNode } from "../../../src/server/start-cluster-node.ts";
import { clusterOptions, startSimCluster, until } from "./support.ts";

const bounds = { maxSteps: 20_000_000, maxVirtualMs: 300_000 };
const decoder = new TextDecoder();
const SENDS_MAX = 5_000;

describe("scenario: reassigning a partition under an acks=all producer", () => {
  for (const seed of [1, 2]) {
    it(
      `moves t-0 from {1,2,3} to 4 and two of them: 4 catches up, then the leader is dropped (seed ${seed})`,
      async () => {
        const world = new SimWorld({ seed });
        const crt = world.runtime("client");
        const cluster = await world.run(() => startSimCluster(world, 3), bounds);
        await world.run(async () => {
          const image = (id: number) => cluster.nodes.get(id)!.membership.committed.image;
          const partitionSeenBy = (id: number) => image(id).topic("t")?.partitions[0];
          const admin = cluster.admin();
          await until(
            world,
            () => [...cluster.nodes.values()].every((n) => !n.membership.state.fenced),
            "unfenced",
          );
          await admin.createTopic("t", { partitions: 1, replicationFactor: 3 });
          await until(world, () => partitionSeenBy(1)?.isr.length === 3, "topic in sync");
          expect([...partitionSeenBy(1)!.replicas].sort()).toEqual([1, 2, 3]);
          // The leader is the replica dropped, so leadership has to move too.
          const old = partitionSeenBy(1)!.leader;
          const target = [4, ...[1, 2, 3].filter((b) => b !== old)];
          // Broker 4 joins the cluster (broker only) once the topic lives on 1-3.
          const n4 = await startClusterNode(world.runtime("n4"), {
            dataDir: "/data",
            host: "n4",
            port: 9093,
            httpPort: null,
            cluster: { ...clusterOptions(4, 3), processRoles: ["broker"], controllerPort: null },
          });
          cluster.nodes.set(4, n4);
          await until(world, () => image(1).broker(4)?.fenced === false, "broker 4 unfenced");

          const producer = new Producer(crt, {
            bootstrap: cluster.bootstrap,
            acks: "all",
            lingerMs: 0,
            requestTimeoutMs: 3_000,
            deliveryTimeoutMs: 60_000,
          });
          const acked = new Map<string, number>();
          const errors: unknown[] = [];
          let stop = false;
          const send = (value: string) =>
            producer.send({ topic: "t", partition: 0, value }).then(
              (r) => void acked.set(value, r.offset),
              (err: unknown) => void errors.push(err),
            );
          await Promise.all(Array.from({ length: 50 }, (_, i) => send(`before-${i}`)));
          expect(acked.size).toBe(50);
          // Keeps producing, a few in flight at a time, until told to stop.
          const producing = (async () => {
            for (let i = 0; i < SENDS_MAX && !stop; i += 4) {
              await Promise.all([0, 1, 2, 3].map((k) => send(`during-${i + k}`)));
            }
          })();
          let droppedAtAckedCount = -1;
          const watching = until(
            world,
            () => {
              const p = partitionSeenBy(old);
              if (p !== undefined && !p.replicas.includes(old) && droppedAtAckedCount < 0) {
                droppedAtAckedCount = acked.size;
                // At the drop, 4 is in the ISR: it holds everything committed.
                expect(p.isr).toContain(4);
              }
              return droppedAtAckedCount >= 0;
            },
            `${old} dropped`,
            120_000,
          );
          const result = await admin.reassignPartitions("t", 0, target, { timeoutMs: 120_000 });
          await watching;
          expect(result).toMatchObject({ completed: true, replicas: target, leader: 4 });
          expect([...result.isr].sort()).toEqual([...target].sort());
          expect(droppedAtAckedCount).toBeGreaterThan(50);
          // More acknowledged after the move, then stop.
          const afterMove = acked.size;
          await until(world, () => acked.size >= afterMove + 20, "produce after the move", 60_000);
          stop = true;
          await producing;
          await producer.close();
          expect(errors).toEqual([]);

          // Every node's image agrees: replicas the target, no target left, 4 leads.
          for (const id of [1, 2, 3, 4]) {
            await until(
              world,
              () => partitionSeenBy(id)?.replicas.join(",") === target.join(","),
              `node ${id} applied the move`,
            );
            expect(partitionSeenBy(id)!.targetReplicas).toBeUndefined();
            expect(partitionSeenBy(id)!.leader).toBe(4);
          }
          // The old leader no longer holds the partition, nor its directory.
          await until(
            world,
            () => cluster.nodes.get(old)!.broker.describeTopic("t").partitions[0].sizeBytes === 0,
            `${old} closed its replica`,
          );
          const oldDirs = (await world.runtime(`n${old}`).fs.list("/data")).map((e) => e.name);
          expect(oldDirs.filter((d) => d.startsWith("t-0"))).toEqual([]);
          expect((await world.runtime("n4").fs.list("/data")).map((e) => e.name)).toContain("t-0");

          // Every acknowledged record is in broker 4's log (4 leads: a consumer reads its log).
          const consumer = new Consumer(crt, { bootstrap: "n4:9093", autoOffsetReset: "earliest" });
          consumer.assign([{ topic: "t", partition: 0 }]);
          const byOffset = new Map<number, string>();
          const readUntil = crt.clock.nowMs() + 30_000;
          for await (const r of consumer) {
            byOffset.set(r.offset, decoder.decode(r.value ?? new Uint8Array()));
            const all = [...acked].every(([v, offset]) => byOffset.get(offset) === v);
            if (all || crt.clock.nowMs() > readUntil) break;
          }
          await consumer.close();
          for (const [value, offset] of acked) expect(byOffset.get(offset), value).toBe(value);
          await admin.close();
          for (const n of cluster.nodes.values()) await n.close();
        }, bounds).catch((err) => {
          console.log(cluster.lines.slice(-80).join("\n"));
          throw err;
        });
      },
      180_000,
    );
  }

  it(
    "tributary topics reassign waits for the move and prints the final replicas and ISR",
    async () => {
      const world = new SimWorld({ seed: 5 });
      const cluster = await world.run(() => startSimCluster(world, 3), bounds);
      await world.run(async () => {
        const admin = cluster.admin();
        await until(
          world,
          () => [...cluster.nodes.values()].every((n) => !n.membership.state.fenced),
          "unfenced",
        );
        await admin.createTopic("t", { partitions: 1, replicationFactor: 2 });
        const image = cluster.nodes.get(1)!.membership.committed.image;
        await until(world, () => image.topic("t")?.partitions[0].isr.length === 2, "in sync");
        const outside = [1, 2, 3].find((b) =>
          !image.topic("t")!.partitions[0].replicas.includes(b)
        )!;
        const crt = world.runtime("client");
        let out = "";
        let err = "";
        const decoder = new TextDecoder();
        const text = (d: Uint8Array | string) => (typeof d === "string" ? d : decoder.decode(d));
        const process: HostProcess = {
          ...crt.process,
          writeStdout: (d) => Promise.resolve(void (out += text(d))),
          writeStderr: (d) => Promise.resolve(void (err += text(d))),
        };
        const argv = ["topics", "reassign", "t", "--partition", "0", "--replicas", `${outside}`];
        const code = await runCli({ ...crt, process }, [...argv, "--bootstrap", cluster.bootstrap]);
        expect(err).toBe("");
        expect(code).toBe(0);
        expect(out).toBe(
          `Reassigned t-0: replicas ${outside}, isr ${outside}, leader ${outside}.\n`,
        );
        await admin.close();
        for (const n of cluster.nodes.values()) await n.close();
      }, bounds).catch((err) => {
        console.log(cluster.lines.slice(-40).join("\n"));
        throw err;
      });
    },
    120_000,
  );
});
