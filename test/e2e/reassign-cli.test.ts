// `tributary topics reassign` against real broker processes: a mixed cluster of three nodes
// (node, deno, bun), an RF 2 topic with data, moved three times, once by the CLI of each
// runtime, each time onto the broker that did not hold it. The command waits for the move and
// prints the final replicas and ISR; the dropped broker loses its directory; every record
// produced before is still read back afterwards.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type HostName, runCliProcess } from "./broker-process.ts";
import { type ProcessCluster, startProcessCluster } from "./cluster-process.ts";

const HOSTS: HostName[] = ["node", "deno", "bun"];

describe("topics reassign on a mixed node/deno/bun cluster", () => {
  let cluster: ProcessCluster;

  beforeAll(async () => {
    cluster = await startProcessCluster({ hosts: HOSTS });
    await cluster.waitForActiveBrokers(3);
  }, 120_000);
  afterAll(async () => {
    await cluster?.stopAll();
  }, 60_000);

  it(
    "moves an RF 2 partition by each runtime's CLI; the data stays, the old directory goes",
    async () => {
      const bs = ["--bootstrap", cluster.bootstrap];
      const created = await runCliProcess("node", [
        "topics",
        "create",
        "r",
        "--partitions",
        "1",
        "--replication-factor",
        "2",
        ...bs,
      ]);
      expect(created).toMatchObject({ code: 0, stderr: "" });
      const lines = Array.from({ length: 50 }, (_, i) => `v${i}`);
      const produced = await runCliProcess(
        "node",
        ["produce", "r", "--acks", "all", ...bs],
        lines.join("\n") + "\n",
      );
      expect(produced).toMatchObject({ code: 0, stderr: "" });
      const replicasNow = async (): Promise<number[]> => {
        const d = await runCliProcess("node", ["topics", "describe", "r", "--json", ...bs]);
        expect(d.code).toBe(0);
        return JSON.parse(d.stdout).partitions[0].replicas as number[];
      };
      for (const host of HOSTS) {
        const before = await replicasNow();
        const outside = [1, 2, 3].find((b) => !before.includes(b))!;
        const dropped = before[0];
        const target = [outside, before[1]];
        const moved = await runCliProcess(
          host,
          [
            "topics",
            "reassign",
            "r",
            "--partition",
            "0",
            "--replicas",
            target.join(","),
            "--timeout-ms",
            "30000",
            ...bs,
          ],
          "",
          60_000,
        );
        expect(moved.stderr, host).toBe("");
        expect(moved.code, host).toBe(0);
        expect(moved.stdout, host).toMatch(
          new RegExp(
            `^Reassigned r-0: replicas ${target.join(",")}, isr [0-9,]+, leader [0-9]+\\.\\n$`,
          ),
        );
        expect(await replicasNow()).toEqual(target);
        // The dropped broker removes its directory once it applies the change (bounded wait).
        const dir = join(cluster.node(dropped).dataDir, "r-0");
        for (let i = 0; i < 100 && existsSync(dir); i++) {
          await new Promise((r) => setTimeout(r, 50));
        }
        expect(existsSync(dir), `${host}: r-0 left on broker ${dropped}`).toBe(false);
        expect(existsSync(join(cluster.node(outside).dataDir, "r-0")), host).toBe(true);
      }
      const consumed = await runCliProcess("node", [
        "consume",
        "r",
        "--from-beginning",
        "--max-messages",
        "50",
        "--timeout-ms",
        "10000",
        ...bs,
      ]);
      expect(consumed.code).toBe(0);
      expect(consumed.stdout.trim().split("\n")).toEqual(lines);
    },
    240_000,
  );
});
