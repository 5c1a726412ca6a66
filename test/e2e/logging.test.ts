// The broker's log as an operator reads it: `serve` under node, deno and bun writes one line per
// event to stderr, as JSON with --log-format json, filtered by --log-level, covering topic
// creation and deletion, group activity and a clean shutdown.
import { afterAll, describe, expect, it } from "vitest";
import {
  hosts,
  makeTempDir,
  requireHost,
  runCliProcess,
  startBrokerProcess,
} from "./broker-process.ts";

const dirs: Array<{ remove(): void }> = [];
afterAll(() => dirs.forEach((d) => d.remove()));

function jsonLines(stderr: string): Array<Record<string, unknown>> {
  return stderr.split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l));
}

describe.each(hosts)("logging of a %s broker", (host) => {
  it("--log-format json: one JSON object per event, topic changes and shutdown included", async () => {
    requireHost(host);
    const dir = makeTempDir(`tributary-log-${host}-`);
    dirs.push(dir);
    const broker = await startBrokerProcess(host, {
      dataDir: dir.path,
      extraArgs: ["--log-format", "json", "--log-level", "info"],
    });
    try {
      const created = await runCliProcess(host, [
        "topics",
        "create",
        "audit",
        "--partitions",
        "2",
        "--bootstrap",
        broker.bootstrap,
      ]); // deno-fmt-ignore
      expect(created.code).toBe(0);
      const deleted = await runCliProcess(host, [
        "topics",
        "delete",
        "audit",
        "--bootstrap",
        broker.bootstrap,
      ]); // deno-fmt-ignore
      expect(deleted.code).toBe(0);
    } finally {
      expect(await broker.stop()).toBe(0);
    }
    const lines = jsonLines(broker.stderr());
    const nonJson = broker.stderr().split("\n").filter((l) => l !== "" && !l.startsWith("{"));
    expect(nonJson).toEqual([]);
    const events = lines.map((l) => l.event);
    expect(lines.find((l) => l.event === "topic.created" && l.topic === "audit")).toMatchObject({
      level: "info",
      partitions: 2,
    });
    expect(events).toContain("topic.deleted");
    expect(events.slice(-2)).toEqual(["server.stopping", "server.stopped"]);
    for (const l of lines) expect(Number.isNaN(Date.parse(String(l.ts)))).toBe(false);
  });

  it("--log-level warn leaves info events out", async () => {
    requireHost(host);
    const dir = makeTempDir(`tributary-log-${host}-`);
    dirs.push(dir);
    const broker = await startBrokerProcess(host, {
      dataDir: dir.path,
      extraArgs: ["--log-level", "warn"],
    });
    try {
      const created = await runCliProcess(host, [
        "topics",
        "create",
        "quiet",
        "--bootstrap",
        broker.bootstrap,
      ]); // deno-fmt-ignore
      expect(created.code).toBe(0);
    } finally {
      expect(await broker.stop()).toBe(0);
    }
    expect(broker.stderr()).not.toContain("topic.created");
    expect(broker.stderr()).not.toContain("server.stopping");
  });

  it("refuses an unknown --log-level with a usage error (exit code 2)", async () => {
    requireHost(host);
    const r = await runCliProcess(host, ["serve", "--memory", "--log-level", "loud"]);
    expect(r.stderr).toContain("--log-level must be one of error, warn, info, debug");
    expect(r.code).toBe(2);
  });
});
