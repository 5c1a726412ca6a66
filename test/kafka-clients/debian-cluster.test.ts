// The Kafka listener on a three-node cluster of real processes, one each under node, deno and
// bun: every node's Metadata lists all three brokers at their Kafka ports with a real
// controller id and each partition's leader, replicas and ISR; kcat produces through one
// node and consumes through another, reaching each partition's leader.
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from "vitest";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { Admin } from "../../src/index.ts";
import { makeTempDir } from "../e2e/broker-process.ts";
import { type ProcessCluster, startProcessCluster } from "../e2e/cluster-process.ts";
import { ensureKafkaClients, runClient } from "./debian-clients.ts";

const missing = ensureKafkaClients();
if (missing !== null) console.warn(`kafka-cluster e2e skipped: ${missing}`);

interface KcatMetadata {
  controllerid: number;
  brokers: Array<{ id: number; name: string }>;
  topics: Array<{
    topic: string;
    partitions: Array<{
      partition: number;
      leader: number;
      replicas: Array<{ id: number }>;
      isrs: Array<{ id: number }>;
    }>;
  }>;
}

/**
 * A node's kcat metadata once it has applied the topic: CreateTopics returns when the
 * controller commits, and each broker learns the new image a metadata fetch later (as in Kafka).
 */
async function metadataWithTopic(address: string, topic: string): Promise<KcatMetadata> {
  const deadline = Date.now() + 20_000;
  for (let attempt = 1; ; attempt++) {
    const r = await runClient("kcat", ["-b", address, "-L", "-J", "-t", topic, "-m", "15"]);
    expect(r.code, r.stderr).toBe(0);
    const view = JSON.parse(r.stdout) as KcatMetadata;
    const t = view.topics.find((x) => x.topic === topic);
    const applied = t !== undefined && t.partitions.length > 0 &&
      t.partitions.every((p) => p.leader >= 0);
    if (applied || Date.now() > deadline || attempt >= 40) return view;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

describe.skipIf(missing !== null)("Kafka clients on a node/deno/bun cluster", () => {
  let cluster: ProcessCluster | null = null;
  const inputs = makeTempDir("tributary-kafka-cluster-input-");
  const address = (id: number) => `127.0.0.1:${cluster!.node(id).kafkaPort}`;

  beforeAll(async () => {
    cluster = await startProcessCluster({ hosts: ["node", "deno", "bun"], kafka: true });
    await cluster.waitForActiveBrokers(3);
    const admin = new Admin({ bootstrap: cluster.bootstrap });
    await admin.createTopic("kx", { partitions: 3, replicationFactor: 3 });
    await admin.close();
  }, 90_000);
  afterAll(async () => {
    await cluster?.stopAll();
    inputs.remove();
  });

  it(
    "every node's Metadata lists all brokers, the controller, leaders, replicas and ISR",
    async () => {
      onTestFailed(() => console.log(cluster?.logTails()));
      const views: KcatMetadata[] = [];
      for (const id of [1, 2, 3]) views.push(await metadataWithTopic(address(id), "kx"));
      const expectedBrokers = [1, 2, 3].map((id) => ({ id, name: address(id) }));
      for (const view of views) {
        expect([...view.brokers].sort((a, b) => a.id - b.id)).toEqual(expectedBrokers);
        expect([1, 2, 3]).toContain(view.controllerid);
        const kx = view.topics.find((t) => t.topic === "kx")!;
        expect(kx.partitions).toHaveLength(3);
        for (const p of kx.partitions) {
          expect(p.replicas.map((r) => r.id).sort()).toEqual([1, 2, 3]);
          expect(p.replicas.map((r) => r.id)).toContain(p.leader);
          expect(p.isrs.map((r) => r.id)).toContain(p.leader);
        }
      }
      // Every node answers from the same committed metadata.
      const leaders = (v: KcatMetadata) =>
        v.topics[0].partitions.map((p) => [p.partition, p.leader]);
      expect(leaders(views[1])).toEqual(leaders(views[0]));
      expect(leaders(views[2])).toEqual(leaders(views[0]));
    },
    60_000,
  );

  it("kcat produces through node 1 and consumes through node 3, from every leader", async () => {
    onTestFailed(() => console.log(cluster?.logTails()));
    const lines = Array.from({ length: 30 }, (_, i) => `value-${i}`);
    const file = join(inputs.path, "in.txt");
    // Keyed (librdkafka hashes 30 distinct keys over the 3 partitions): unkeyed records would
    // stick to one partition per batch (KIP-480), which made "every leader" a matter of luck.
    writeFileSync(file, lines.map((l) => `${l}:${l}`).join("\n") + "\n");
    const put = await runClient("kcat", [
      "-b",
      address(1),
      "-P",
      "-t",
      "kx",
      "-K:",
      "-l",
      file,
    ]);
    expect(put.code, put.stderr).toBe(0);
    const get = await runClient("kcat", [
      "-b",
      address(3),
      "-C",
      "-t",
      "kx",
      "-e",
      "-f",
      "%p %s\n",
    ]);
    expect(get.code, get.stderr).toBe(0);
    const got = get.stdout.trim().split("\n");
    expect(got.map((l) => l.split(" ")[1]).sort()).toEqual([...lines].sort());
    expect(new Set(got.map((l) => l.split(" ")[0])).size).toBeGreaterThan(1);
  }, 60_000);
});
