// The cluster surfaces (issue 11) against a real broker process under node, deno and bun: the
// serve flags' checks, `cluster describe`, `cluster elect-leaders`, `topics describe` and
// `topics add-partitions` through the CLI of the same runtime, and the HTTP cluster routes.
// CLUSTER_E2E_HOSTS=deno,bun narrows the hosts.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type BrokerProcess,
  makeTempDir,
  requireHost,
  runCliProcess,
  selectedHosts,
  startBrokerProcess,
} from "../e2e/broker-process.ts";
import { freePorts } from "../e2e/cluster-process.ts";

const QUORUM = "1@127.0.0.1:9193,2@127.0.0.1:9194,3@127.0.0.1:9195";

for (const host of selectedHosts("CLUSTER_E2E_HOSTS")) {
  requireHost(host);
  describe(`cluster surfaces under ${host}`, () => {
    let broker: BrokerProcess | null = null;
    const dir = makeTempDir(`tributary-cluster-${host}-`);
    let bootstrap: string[] = [];

    beforeAll(async () => {
      // The broker-wide min.insync.replicas works on one node: it is the topic config's default.
      const config = join(dir.path, "broker.properties");
      writeFileSync(config, "min.insync.replicas=2\nunclean.leader.election.enable=false\n");
      broker = await startBrokerProcess(host, {
        dataDir: join(dir.path, "data"),
        extraArgs: ["--node-id", "5", "--config", config],
      });
      bootstrap = ["--bootstrap", broker.bootstrap];
    }, 60_000);
    afterAll(async () => {
      await broker?.stop();
      dir.remove();
    });

    it("serve refuses bad cluster flags with one line and exit 2, and runs a one-voter cluster", async () => {
      const bad = await runCliProcess(host, [
        "serve",
        "--memory",
        "--node-id",
        "4",
        "--controller-quorum",
        QUORUM,
        "--process-roles",
        "controller",
      ]);
      expect(bad.code).toBe(2);
      expect(bad.stderr).toMatch(
        /^tributary: node 4 has the controller role but is not in the quorum/,
      );
      expect(bad.stderr.trim().split("\n")).toHaveLength(1);
      // A one-voter quorum is a whole cluster: it elects itself, registers and serves.
      const [controllerPort] = await freePorts(1);
      const solo = await startBrokerProcess(host, {
        dataDir: join(dir.path, "solo"),
        extraArgs: [
          "--node-id",
          "1",
          "--controller-quorum",
          `1@127.0.0.1:${controllerPort}`,
          "--controller-port",
          String(controllerPort),
        ],
      });
      try {
        // It serves once bound and registers right after (its ports were picked at bind).
        let view: unknown = null;
        for (let i = 0; i < 100; i++) {
          view = await (await fetch(`${solo.httpUrl}/v1/cluster`)).json();
          if ((view as { brokers: { state: string }[] }).brokers[0]?.state === "running") break;
          await new Promise((r) => setTimeout(r, 50));
        }
        expect(view).toMatchObject({
          controllerId: 1,
          brokers: [{ id: 1, port: solo.port, state: "running" }],
        });
      } finally {
        await solo.stop();
      }
    });

    it("cluster describe and topics describe through the CLI", async () => {
      const described = await runCliProcess(host, ["cluster", "describe", "--json", ...bootstrap]);
      expect(described).toMatchObject({ code: 0, stderr: "" });
      const cluster = JSON.parse(described.stdout);
      expect(cluster.controllerId).toBe(5);
      expect(cluster.brokers).toEqual([{
        id: 5,
        host: "127.0.0.1",
        port: broker!.port,
        httpPort: Number(new URL(broker!.httpUrl).port),
        rack: null,
        state: "running",
      }]);
      expect(
        (await runCliProcess(host, ["topics", "create", "c", "--partitions", "2", ...bootstrap]))
          .code,
      )
        .toBe(0);
      const topic = await runCliProcess(host, ["topics", "describe", "c", ...bootstrap]);
      expect(topic).toMatchObject({ code: 0, stderr: "" });
      expect(topic.stdout.trimEnd().split("\n").slice(3).map((l) => l.split(/\s+/).slice(0, 5)))
        .toEqual([["0", "5", "0", "5", "5"], ["1", "5", "0", "5", "5"]]);
      const json = await runCliProcess(host, ["topics", "describe", "c", "--json", ...bootstrap]);
      expect(JSON.parse(json.stdout).configs["min.insync.replicas"]).toBe("2");
      const elected = await runCliProcess(host, [
        "cluster",
        "elect-leaders",
        "--topic",
        "c",
        ...bootstrap,
      ]);
      expect(elected).toMatchObject({ code: 0, stderr: "" });
      expect(elected.stdout).toMatch(/^c\s+1\s+5\s+already-preferred$/m);
      const grow = await runCliProcess(host, [
        "topics",
        "add-partitions",
        "c",
        "--partitions",
        "3",
        ...bootstrap,
      ]);
      // A single node grows the topic through its own metadata log.
      expect(grow).toMatchObject({ code: 0, stderr: "" });
    });

    it("GET /v1/cluster and the add-partitions and elect-leaders routes", async () => {
      const cluster = await fetch(`${broker!.httpUrl}/v1/cluster`);
      expect(cluster.status).toBe(200);
      expect((await cluster.json()).brokers.map((b: { id: number }) => b.id)).toEqual([5]);
      const post = (path: string, body: unknown) =>
        fetch(`${broker!.httpUrl}${path}`, {
          method: "POST",
          body: JSON.stringify(body),
          headers: { "content-type": "application/json" },
        });
      // Over HTTP too (the CLI grew it to 3 above).
      const grow = await post("/v1/topics/c/partitions", { count: 4 });
      expect(grow.status).toBe(200);
      expect((await grow.json()).partitions).toHaveLength(4);
      const elect = await post("/v1/cluster/elect-leaders", {
        partitions: [{ topic: "c", partition: 0 }],
      });
      expect(await elect.json()).toEqual({
        results: [{ topic: "c", partition: 0, leader: 5, outcome: "already-preferred" }],
      });
    });
  });
}
