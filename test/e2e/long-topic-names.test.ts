// A topic of the longest legal name (249 characters) over HTTP against a real broker process
// under each host: created, deleted (204, not a 500 from ENAMETOOLONG), and the broker restarts
// on the same data directory with no trace of it.
import { readdirSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import {
  type BrokerProcess,
  hosts,
  makeTempDir,
  requireHost,
  startBrokerProcess,
} from "./broker-process.ts";

const TOPIC = "n".repeat(245) + ".x_y";

for (const host of hosts) {
  requireHost(host);
  describe(`249-character topic names under ${host}`, () => {
    const dir = makeTempDir(`tributary-long-${host}-`);
    const started: BrokerProcess[] = [];

    afterAll(async () => {
      for (const broker of started) await broker.kill9();
      dir.remove();
    });

    it("creates and deletes the topic over HTTP, then restarts on the directory", async () => {
      const first = await startBrokerProcess(host, { dataDir: dir.path });
      started.push(first);
      const created = await fetch(`${first.httpUrl}/v1/topics`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ name: TOPIC, partitions: 3 }),
      });
      expect(created.status).toBe(201);
      const deleted = await fetch(`${first.httpUrl}/v1/topics/${TOPIC}`, { method: "DELETE" });
      expect(deleted.status, await deleted.text()).toBe(204);
      expect(readdirSync(dir.path).filter((name) => name.startsWith("nnnn"))).toEqual([]);
      expect(await first.stop()).toBe(0);

      const again = await startBrokerProcess(host, { dataDir: dir.path });
      started.push(again);
      expect((await fetch(`${again.httpUrl}/v1/topics/${TOPIC}`)).status).toBe(404);
      const recreated = await fetch(`${again.httpUrl}/v1/topics`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ name: TOPIC, partitions: 3 }),
      });
      expect(recreated.status).toBe(201);
      expect(await again.stop()).toBe(0);
    }, 120_000);
  });
}
