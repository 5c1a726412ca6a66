// Issue 11 §5/§6: a 3-node cluster of real `serve` processes (each node broker and controller)
// under node, deno and bun, and one mixed cluster (one node per runtime). An idempotent acks=all
// Producer writes as fast as it can to an RF 3 topic with min.insync.replicas 2 while the
// partition's leader is killed with -9 and started again, over and over. Afterwards every
// acknowledged value is in the log, no value is there twice (idempotence across the retries),
// and a consumer that read through all the kills saw the same log.
//
// CLUSTER_KILLS sets the kills per cluster (default: 10 under node, 4 under the others and the
// mixed cluster, to keep the file near 3 minutes on 2 cores); CLUSTER_HOSTS narrows the clusters
// run (node,deno,bun,mixed).
import { afterAll, describe, expect, it } from "vitest";
import { Admin, Consumer, Producer } from "../../src/index.ts";
import type { HostName } from "./broker-process.ts";
import { type ProcessCluster, startProcessCluster } from "./cluster-process.ts";
import {
  duplicates,
  ProduceLoad,
  readPartition,
  waitForPartition,
  within,
} from "./cluster-load.ts";

const TOPIC = "failover";
const RECOVER_MS_MAX = 30_000;
/** Acknowledgements from the new leader (with all three in sync) before the next kill. */
const ACKS_BETWEEN_KILLS = 300;

const clusters: Array<{ name: string; hosts: HostName[]; kills: number }> = [
  { name: "node", hosts: ["node", "node", "node"], kills: 10 },
  { name: "deno", hosts: ["deno", "deno", "deno"], kills: 4 },
  { name: "bun", hosts: ["bun", "bun", "bun"], kills: 4 },
  { name: "mixed", hosts: ["node", "deno", "bun"], kills: 4 },
];
const selected = process.env.CLUSTER_HOSTS?.split(",");
const killsOverride = process.env.CLUSTER_KILLS === undefined
  ? undefined
  : Number(process.env.CLUSTER_KILLS);

for (const spec of clusters.filter((c) => selected === undefined || selected.includes(c.name))) {
  const kills = killsOverride ?? spec.kills;
  describe(`3-node cluster (${spec.hosts.join(", ")})`, () => {
    let cluster: ProcessCluster | null = null;
    afterAll(async () => {
      await cluster?.stopAll();
    });

    it(
      `loses no acknowledged record and writes none twice across ${kills} leader kills`,
      async () => {
        cluster = await startProcessCluster({ hosts: spec.hosts });
        const c = cluster;
        await c.waitForActiveBrokers(3);
        const admin = new Admin({ bootstrap: c.bootstrap });
        await admin.createTopic(TOPIC, {
          partitions: 1,
          replicationFactor: 3,
          configs: { "min.insync.replicas": "2" },
        });
        await admin.close();
        const producer = new Producer({
          bootstrap: c.bootstrap,
          acks: "all",
          idempotent: true,
          lingerMs: 2,
          requestTimeoutMs: 3_000,
          retryBackoffMs: 50,
          retryBackoffMsMax: 250,
        });
        const load = new ProduceLoad(producer, { topic: TOPIC });
        // A reader that follows the log all along: it must resume after every kill.
        const tailer = new Consumer({ bootstrap: c.bootstrap, autoOffsetReset: "earliest" });
        tailer.assign([{ topic: TOPIC, partition: 0 }]);
        const tailed: string[] = [];
        // Until the log's end is known, then until it has read that far (bounded).
        let tailTarget = Infinity;
        const tailDeadline = Date.now() + 200_000;
        const tail = (async () => {
          while (tailed.length < tailTarget && Date.now() < tailDeadline) {
            for (const r of await tailer.poll({ timeoutMs: 200 })) {
              tailed.push(new TextDecoder().decode(r.value ?? undefined));
            }
          }
        })();
        const failoverMs: number[] = [];
        load.start();
        try {
          for (let k = 0; k < kills; k++) {
            const live = c.nodes.filter((n) => n.process !== null).map((n) => n.nodeId);
            const p = await waitForPartition(
              c.bootstrap,
              TOPIC,
              (x) => x.leader > 0 && x.isr.length === 3,
              RECOVER_MS_MAX,
            );
            expect(live).toContain(p.leader);
            await load.waitForAcked(load.acked.length + ACKS_BETWEEN_KILLS, RECOVER_MS_MAX);
            const ackedAtKill = load.acked.length;
            const killedAt = Date.now();
            await c.kill9(p.leader);
            // Sends already in flight may still be acknowledged by the dying leader's last
            // responses; a window's worth past that can only come from the next leader.
            await load.waitForAcked(ackedAtKill + 250, RECOVER_MS_MAX);
            failoverMs.push(Date.now() - killedAt);
            await c.restart(p.leader);
          }
          await waitForPartition(c.bootstrap, TOPIC, (x) => x.isr.length === 3, RECOVER_MS_MAX);
        } finally {
          await load.stop(60_000);
          await within(30_000, "producer close", producer.close());
        }
        console.log(
          `${spec.name}: ${kills} kills, ${load.acked.length} acknowledged, ${load.failures.length} ` +
            `failed, failover ms ${failoverMs.join(",")}`,
        );
        expect(load.failures).toEqual([]);

        const reader = new Admin({ bootstrap: c.bootstrap });
        const end = (await reader.listOffsets(TOPIC, 0, "latest")).offset;
        await reader.close();
        const log = await readPartition(c.bootstrap, TOPIC, end, 60_000);
        expect(log.length).toBe(end);
        expect(duplicates(log)).toEqual([]);
        const inLog = new Set(log);
        expect(load.acked.filter((v) => !inLog.has(v))).toEqual([]);
        // Acknowledged values are in the log in the order they were sent.
        const ackedSet = new Set(load.acked);
        const ackedInLog = log.filter((v) => ackedSet.has(v));
        expect(ackedInLog).toEqual(
          [...load.acked].sort((a, b) => Number(a.slice(2)) - Number(b.slice(2))),
        );

        tailTarget = end;
        await within(60_000, "tailer catch-up", tail);
        await tailer.close();
        expect(tailed).toEqual(log);
      },
      240_000,
    );
  });
}
