// acks=all waits for fsync; a produce whose fsync outlasts timeoutMs gets REQUEST_TIMED_OUT,
// and the append still completes behind it.
import { afterEach, describe, expect, it } from "vitest";
import { createNodeRuntime } from "../../runtime/node/mod.ts";
import type { FileHandle, FileSystem, Runtime } from "../../runtime/types.ts";
import { Broker } from "../../src/broker/broker.ts";
import { batch, codeOf, readAll } from "./helpers.ts";

const SYNC_DELAY_MS = 300;

function slowSyncFs(rt: Runtime, slow: { on: boolean }): FileSystem {
  const fs = rt.fs;
  const wrap = (h: FileHandle): FileHandle => ({
    path: h.path,
    readAt: (buf, pos) => h.readAt(buf, pos),
    writeAt: (data, pos) => h.writeAt(data, pos),
    append: (data) => h.append(data),
    truncate: (size) => h.truncate(size),
    size: () => h.size(),
    close: () => h.close(),
    async sync() {
      if (slow.on) await rt.timers.sleep(SYNC_DELAY_MS);
      await h.sync();
    },
  });
  return {
    open: async (path, options) => wrap(await fs.open(path, options)),
    readFile: (path) => fs.readFile(path),
    mkdirp: (path) => fs.mkdirp(path),
    list: (path) => fs.list(path),
    rename: (from, to) => fs.rename(from, to),
    remove: (path, options) => fs.remove(path, options),
    exists: (path) => fs.exists(path),
    syncDir: (path) => fs.syncDir(path),
    makeTempDir: (prefix) => fs.makeTempDir(prefix),
  };
}

let cleanup: () => Promise<void> = async () => {};
afterEach(async () => {
  await cleanup();
});

describe("acks=all timeout", () => {
  it("times out the request but keeps the append", async () => {
    const host = createNodeRuntime();
    const dataDir = await host.fs.makeTempDir("tributary-acks-");
    const slow = { on: false };
    const rt: Runtime = { ...host, fs: slowSyncFs(host, slow) };
    const broker = await Broker.open(rt, { nodeId: 1, dataDir, host: "127.0.0.1", port: 0 });
    cleanup = async () => {
      await broker.close();
      await host.fs.remove(dataDir, { recursive: true });
    };
    await broker.createTopic({ name: "t" });
    slow.on = true;
    const started = host.clock.monotonicMs();
    const code = await codeOf(
      broker.produce({
        topic: "t",
        partition: 0,
        batches: batch(["late"]),
        acks: -1,
        timeoutMs: 50,
      }),
    );
    expect(code).toBe("REQUEST_TIMED_OUT");
    expect(host.clock.monotonicMs() - started).toBeLessThan(SYNC_DELAY_MS);
    // acks=1 does not wait for the slow fsync.
    const quick = await broker.produce({
      topic: "t",
      partition: 0,
      batches: batch(["quick"]),
      acks: 1,
    });
    expect(quick.baseOffset).toBe(1);
    await host.timers.sleep(SYNC_DELAY_MS + 100);
    expect((await readAll(broker, "t")).map((r) => r.value)).toEqual(["late", "quick"]);
    slow.on = false;
  });
});
