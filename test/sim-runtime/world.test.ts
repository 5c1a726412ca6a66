import { describe, expect, it } from "vitest";
import { SimExit } from "../../runtime/sim/process.ts";
import { SimWorld } from "../../runtime/sim/world.ts";
import { type Connection, type FileHandle, isIoError, type Runtime } from "../../runtime/types.ts";

const bounds = { maxSteps: 100_000, maxVirtualMs: 600_000 };
const encode = (s: string) => new TextEncoder().encode(s);
const decode = (b: Uint8Array) => new TextDecoder().decode(b);

/** A "broker" on rt: appends every received chunk to a log file, syncing now and then. */
async function startSink(rt: Runtime, dir: string): Promise<void> {
  await rt.fs.mkdirp(dir);
  const log = await rt.fs.open(`${dir}/log`, { create: true, write: true });
  await rt.fs.syncDir(dir);
  await rt.net.listen({ host: "0.0.0.0", port: 9000 }, (conn) => void sink(rt, conn, log));
}

async function sink(rt: Runtime, conn: Connection, log: FileHandle): Promise<void> {
  for (let i = 0; i < 10_000; i++) {
    const chunk = await conn.read();
    if (chunk === null) return;
    await log.append(chunk);
    if (rt.random.int(3) === 0) await log.sync();
    await conn.write(encode("ack"));
  }
}

/** A client on rt sending numbered messages at random intervals, reconnecting after failures. */
async function produce(rt: Runtime, messages: number): Promise<number> {
  let failures = 0;
  for (let sent = 0, attempts = 0; sent < messages && attempts < 10 * messages; attempts++) {
    try {
      const conn = await rt.net.connect({ host: "b", port: 9000, timeoutMs: 500 });
      for (; sent < messages; sent++) {
        await rt.timers.sleep(rt.random.int(50));
        await conn.write(encode(`m${sent}.${"x".repeat(rt.random.int(40))}|`));
        if ((await conn.read()) === null) throw new Error("connection lost");
      }
      await conn.close();
    } catch (err) {
      if (!isIoError(err) && !(err instanceof Error && err.message === "connection lost")) {
        throw err;
      }
      failures++;
      await rt.timers.sleep(100);
    }
  }
  return failures;
}

async function workload(seed: number): Promise<{ digest: string; log: string; failures: number }> {
  const world = new SimWorld({ seed, latencyMs: [1, 20] });
  const a = world.runtime("a");
  const b = world.runtime("b");
  const failures = await world.run(async () => {
    await startSink(b, "/data");
    world.net.setLoss(0.01);
    const producing = produce(a, 60);
    await a.timers.sleep(400 + world.random.int(400));
    world.crash("b");
    await b.timers.sleep(200);
    await startSink(b, "/data");
    return producing;
  }, bounds);
  return {
    digest: world.trace.digest,
    log: decode(world.node("b").fs.snapshot("/data/log")),
    failures,
  };
}

describe("SimWorld determinism", () => {
  it("replays a workload of timers, disk, crashes and network traffic exactly per seed", async () => {
    const first = await workload(1234);
    const second = await workload(1234);
    expect(second).toEqual(first);
    expect(first.failures).toBeGreaterThan(0); // the crash was felt
    expect(first.log).toContain("m59.");
    expect(Number(first.digest.split("/")[1])).toBeGreaterThan(200); // events in the trace
    const other = await workload(4321);
    expect(other.digest).not.toBe(first.digest);
  });
});

describe("SimWorld crash and restart", () => {
  it("freezes the crashed process, resets its peers and keeps synced data for the restart", async () => {
    const world = new SimWorld({ seed: 77 });
    const a = world.runtime("a");
    const b = world.runtime("b");
    const result = await world.run(async () => {
      const accepted: Connection[] = [];
      await b.net.listen({ host: "b", port: 1 }, (conn) => accepted.push(conn));
      const conn = await a.net.connect({ host: "b", port: 1 });
      const dir = "/var/data";
      await b.fs.mkdirp(dir);
      await b.fs.syncDir("/var");
      await b.fs.syncDir("/");
      const f = await b.fs.open(`${dir}/state`, { create: true, write: true });
      await b.fs.syncDir(dir);
      await f.append(encode("durable;"));
      await f.sync();
      await f.append(encode("maybe;"));
      let zombieWoke = false;
      void b.timers.sleep(10).then(() => (zombieWoke = true));
      let zombieRead: string = "pending";
      void accepted[0].read().then((c) => (zombieRead = String(c)));
      world.crash("b", { mode: "lose-all-unsynced" });
      const peerRead = await conn.read();
      await a.timers.sleep(50);
      const handleCode = await f.size().then(() => "ok", (e) => (isIoError(e) ? e.code : "?"));
      const refused = await a.net.connect({ host: "b", port: 1 }).then(
        () => "ok",
        (e) => (isIoError(e) ? e.code : "?"),
      );
      // The restarted process finds the synced bytes and can listen on its port again.
      const content = decode(await b.fs.readFile(`${dir}/state`));
      await b.net.listen({ host: "b", port: 1 }, () => {});
      return { peerRead, zombieWoke, zombieRead, handleCode, refused, content };
    }, bounds);
    expect(result).toEqual({
      peerRead: null,
      zombieWoke: false,
      zombieRead: "pending",
      handleCode: "ECLOSED",
      refused: "ECONNREFUSED",
      content: "durable;",
    });
    expect(world.node("b").crashes).toBe(1);
    expect(world.trace.recent().some((line) => line.includes("crash b"))).toBe(true);
  });
});

describe("SimWorld processes and clocks", () => {
  it("gives each node env, empty args and stdin, captured output, signals and exit", async () => {
    const world = new SimWorld({ seed: 9, env: { SHARED: "1" } });
    const a = world.runtime("a", { env: { ROLE: "leader" } });
    const b = world.runtime("b");
    expect(a.name).toBe("sim");
    expect(a.process.args).toEqual([]);
    expect(a.process.env("ROLE")).toBe("leader");
    expect(a.process.env("SHARED")).toBeUndefined();
    expect(b.process.env("SHARED")).toBe("1");
    expect(b.process.env("toString")).toBeUndefined();
    expect(a.process.pid).not.toBe(b.process.pid);
    const stdin = await a.process.stdin.getReader().read();
    expect(stdin.done).toBe(true);
    await a.process.writeStdout("hello ");
    await a.process.writeStdout(encode("world"));
    await a.process.writeStderr("oops");
    expect(world.node("a").process.stdout.join("")).toBe("hello world");
    expect(world.node("a").process.stderr).toEqual(["oops"]);
    const got: string[] = [];
    const off = a.process.onSignal("SIGTERM", () => got.push("term"));
    await world.run(async () => {
      world.signal("a", "SIGTERM");
      world.signal("a", "SIGINT");
      await a.timers.sleep(1);
      off();
      world.signal("a", "SIGTERM");
      await a.timers.sleep(1);
    }, bounds);
    expect(got).toEqual(["term"]);
    expect(() => a.process.exit(3)).toThrow(SimExit);
    try {
      a.process.exit(4);
    } catch (err) {
      expect((err as SimExit).code).toBe(4);
    }
  });

  it("shares monotonic time across nodes and skews wall clocks per node", async () => {
    const world = new SimWorld({ seed: 1 });
    const a = world.runtime("a");
    const b = world.runtime("b");
    world.node("b").clock.skewMs = -5_000;
    await world.run(() => a.timers.sleep(1_500), bounds);
    expect(a.clock.monotonicMs()).toBe(1_500);
    expect(b.clock.monotonicMs()).toBe(1_500);
    expect(a.clock.nowMs() - b.clock.nowMs()).toBe(5_000);
  });

  it("gives nodes distinct random streams that the seed fixes", () => {
    const draw = (seed: number, node: string) => {
      const random = new SimWorld({ seed }).runtime(node).random;
      return Array.from({ length: 8 }, () => random.u32());
    };
    expect(draw(1, "a")).toEqual(draw(1, "a"));
    const w = new SimWorld({ seed: 1 });
    const fromA = Array.from({ length: 8 }, () => w.runtime("a").random.u32());
    const fromB = Array.from({ length: 8 }, () => w.runtime("b").random.u32());
    expect(fromA).not.toEqual(fromB);
  });
});
