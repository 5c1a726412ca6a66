// A global invariant violation under a real broker process, under node, deno and bun: the broker
// logs exactly one `invariant.violated` line and exits with 70 (EX_SOFTWARE) instead of serving
// on. The violation comes from serve's test hook (TRIBUTARY_TEST_INVARIANT_TOPIC, unset in
// production, docs/invariants.md): creating that topic fails an invariant in a topic listener,
// state no partition contains.
import type { ChildProcess } from "node:child_process";
import { afterAll, describe, expect, it } from "vitest";
import {
  makeTempDir,
  requireHost,
  runCliProcess,
  selectedHosts,
  startBrokerProcess,
} from "./broker-process.ts";

const selected = selectedHosts("E2E_INVARIANT_HOSTS");
const dirs: Array<{ remove(): void }> = [];
afterAll(() => dirs.forEach((d) => d.remove()));

/** The exit code of child, waiting at most timeoutMs; null when it is still running then. */
function exitCode(child: ChildProcess, timeoutMs: number): Promise<number | null | "running"> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve("running"), timeoutMs);
    child.once("exit", (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
}

function jsonLines(stderr: string): Array<Record<string, unknown>> {
  return stderr.split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l));
}

describe.each(selected)("a %s broker process", (host) => {
  it("exits with 70 after one invariant.violated line when a global invariant fails", async () => {
    requireHost(host);
    const dir = makeTempDir(`tributary-invariant-${host}-`);
    dirs.push(dir);
    const broker = await startBrokerProcess(host, {
      dataDir: dir.path,
      extraArgs: ["--log-format", "json"],
      env: { TRIBUTARY_TEST_INVARIANT_TOPIC: "boom" },
    });
    try {
      const create = (name: string) =>
        runCliProcess(host, ["topics", "create", name, "--bootstrap", broker.bootstrap]);
      // With the hook set, everything else serves as usual.
      expect((await create("fine")).code).toBe(0);
      expect(broker.child.exitCode).toBeNull();
      // The creation itself may or may not be answered before the process is gone.
      await create("boom");
      expect(await exitCode(broker.child, 20_000)).toBe(70);
    } finally {
      await broker.kill9();
    }
    const violated = jsonLines(broker.stderr()).filter((l) => l.event === "invariant.violated");
    expect(violated).toEqual([
      expect.objectContaining({
        level: "error",
        invariant: "test hook: topic boom must not be created",
      }),
    ]);
    expect(broker.stderr()).not.toContain("server.stopped");
  });
});
