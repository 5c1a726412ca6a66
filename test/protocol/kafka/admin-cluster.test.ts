// The topic admin APIs over the Kafka listener of a three-node cluster (real nodes in one
// SimWorld): CreateTopics goes to the controller and checks the replication factor against
// the brokers there are, CreatePartitions grows a topic through the controller (every node
// applies it), AlterConfigs and IncrementalAlterConfigs commit through the controller (every
// node applies them; a bad value is refused), DeleteTopics removes it everywhere.
import { describe, expect, it } from "vitest";
import { SimWorld } from "../../../runtime/sim/world.ts";
import type { Connection } from "../../../runtime/types.ts";
import { createLogger } from "../../../src/logging/logger.ts";
import { FrameReader } from "../../../src/protocol/kafka/frame.ts";
import { KafkaReader } from "../../../src/protocol/kafka/reader.ts";
import { KafkaWriter } from "../../../src/protocol/kafka/writer.ts";
import {
  type RunningClusterNode,
  startClusterNode,
} from "../../../src/server/start-cluster-node.ts";
import { clusterOptions, until } from "../../cluster/scenarios/support.ts";
import { requestFrame } from "./support/raw-client.ts";

const bounds = { maxSteps: 20_000_000, maxVirtualMs: 300_000 };

/** One request at a time over a sim connection; answers the body after the v0 header. */
function kafkaCaller(conn: Connection) {
  const frames = new FrameReader();
  const pending: Uint8Array[] = [];
  let id = 1;
  return async (key: number, version: number, body: (w: KafkaWriter) => void) => {
    const w = new KafkaWriter();
    body(w);
    const correlationId = id++;
    await conn.write(requestFrame(key, version, correlationId, w.finish().slice()));
    while (pending.length === 0) {
      const chunk = await conn.read();
      if (chunk === null) throw new Error("the broker closed the connection");
      pending.push(...frames.push(chunk));
    }
    const r = new KafkaReader(pending.shift()!);
    expect(r.int32()).toBe(correlationId);
    return r;
  };
}

describe("admin APIs on a cluster's Kafka listener", () => {
  it("creates, grows and deletes topics through the controller", async () => {
    const world = new SimWorld({ seed: 7 });
    const nodes = new Map<number, RunningClusterNode>();
    await world.run(async () => {
      await Promise.all([1, 2, 3].map(async (id) => {
        const rt = world.runtime(`n${id}`);
        nodes.set(
          id,
          await startClusterNode(rt, {
            dataDir: "/data",
            host: `n${id}`,
            port: 9093,
            httpPort: null,
            kafkaPort: 9092,
            cluster: clusterOptions(id, 3),
            logger: createLogger({
              write: () => {},
              level: "error",
              format: "text",
              nowMs: () => rt.clock.nowMs(),
            }),
          }),
        );
      }));
    }, bounds);
    try {
      await world.run(async () => {
        await until(
          world,
          () => [...nodes.values()].every((n) => !n.membership.state.fenced),
          "every broker unfenced",
        );
        const net = world.runtime("client").net;
        const call = kafkaCaller(await net.connect({ host: "n2", port: 9092 }));

        // CreateTopics v3: "rep" with 2 partitions on 3 replicas; 4 replicas cannot be placed.
        let r = await call(19, 3, (w) => {
          w.array(false, [["rep", 3], ["wide", 4]] as const, (w, [name, rf]) => {
            w.nullableString(name).int32(2).int16(rf).int32(0).int32(0);
          });
          w.int32(10_000).bool(false);
        });
        r.int32();
        expect(r.array(false, "topics", (r) => [r.string(), r.int16(), r.nullableString()]))
          .toEqual([["rep", 0, null], ["wide", 38, expect.stringMatching(/\[1, 3\]/)]]);
        const image = (id: number) => nodes.get(id)!.membership.committed.image;
        await until(world, () => [1, 2, 3].every((id) => image(id).topic("rep")), "rep everywhere");
        expect(image(1).topic("rep")!.partitions[0].replicas).toHaveLength(3);

        // CreatePartitions v1: grown to 5 by the controller, applied by every node.
        r = await call(37, 1, (w) => {
          w.array(false, ["rep"], (w, n) => w.nullableString(n).int32(5).int32(-1));
          w.int32(10_000).bool(false);
        });
        r.int32();
        expect(r.array(false, "results", (r) => [r.string(), r.int16(), r.nullableString()]))
          .toEqual([["rep", 0, null]]);
        await until(
          world,
          () => [1, 2, 3].every((id) => image(id).topic("rep")?.partitions.length === 5),
          "five partitions everywhere",
        );

        // AlterConfigs v0 on node 3 (not the one that created it): through the controller.
        const call3 = kafkaCaller(await net.connect({ host: "n3", port: 9092 }));
        const alter = async (value: string) => {
          const a = await call3(33, 0, (w) => {
            w.array(false, ["rep"], (w, n) => {
              w.int8(2).nullableString(n);
              w.array(false, ["x"], (w) => w.nullableString("retention.ms").nullableString(value));
            });
            w.bool(false);
          });
          a.int32();
          return a.array(false, "responses", (r) => [r.int16(), r.nullableString()]);
        };
        expect(await alter("3600000")).toEqual([[0, null]]);
        await until(
          world,
          () =>
            [1, 2, 3].every((id) => image(id).topic("rep")?.configs["retention.ms"] === "3600000"),
          "retention.ms everywhere",
        );
        const refused = await alter("soon");
        expect(refused?.[0][0]).toBe(40); // INVALID_CONFIG
        expect(image(1).topic("rep")!.configs["retention.ms"]).toBe("3600000");
        // IncrementalAlterConfigs v0: DELETE (op 1) drops the explicit value everywhere.
        const inc = await call3(44, 0, (w) => {
          w.array(false, ["rep"], (w, n) => {
            w.int8(2).nullableString(n);
            w.array(
              false,
              ["x"],
              (w) => w.nullableString("retention.ms").int8(1).nullableString(null),
            );
          });
          w.bool(false);
        });
        inc.int32();
        expect(inc.array(false, "responses", (r) => [r.int16(), r.nullableString()]))
          .toEqual([[0, null]]);
        await until(
          world,
          () =>
            [1, 2, 3].every((id) => image(id).topic("rep")?.configs["retention.ms"] === undefined),
          "retention.ms deleted everywhere",
        );

        // DeleteTopics v1: gone from every node.
        r = await call(20, 1, (w) => {
          w.array(false, ["rep"], (w, n) => w.nullableString(n)).int32(10_000);
        });
        r.int32();
        expect(r.array(false, "responses", (r) => [r.string(), r.int16()])).toEqual([["rep", 0]]);
        await until(
          world,
          () => [1, 2, 3].every((id) => image(id).topic("rep") === undefined),
          "rep deleted everywhere",
        );
      }, bounds);
    } finally {
      await world.run(() => Promise.all([...nodes.values()].map((n) => n.close())), bounds);
    }
  }, 120_000);
});
