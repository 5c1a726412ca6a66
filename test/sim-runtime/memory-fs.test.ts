import { describe, expect, it } from "vitest";
import { SimFileSystem } from "../../runtime/sim/fs.ts";
import { SeededRandom } from "../../runtime/sim/prng.ts";
import { ioRejectionCode } from "../support/error-codes.ts";

const text = new TextEncoder();
const bytes = (s: string) => text.encode(s);
const str = (b: Uint8Array) => new TextDecoder().decode(b);

describe("SimFileSystem basics", () => {
  it("reads, writes, appends, truncates and fills holes with zeros", async () => {
    const fs = new SimFileSystem();
    const dir = await fs.makeTempDir("basics-");
    const file = await fs.open(`${dir}/a`, { create: true, write: true });
    expect(await file.append(bytes("hello"))).toBe(0);
    expect(await file.append(bytes(" world"))).toBe(5);
    await file.writeAt(bytes("J"), 0);
    await file.writeAt(bytes("!"), 13);
    expect(await file.size()).toBe(14);
    const buf = new Uint8Array(20);
    expect(await file.readAt(buf, 0)).toBe(14);
    expect([...buf.subarray(11, 14)]).toEqual([0, 0, 33]);
    expect(str(buf.subarray(0, 11))).toBe("Jello world");
    await file.truncate(2);
    await file.truncate(4);
    expect([...fs.snapshot(`${dir}/a`)]).toEqual([74, 101, 0, 0]);
    expect(await file.readAt(new Uint8Array(4), 10)).toBe(0);
    await file.close();
    expect(await ioRejectionCode(file.size())).toBe("ECLOSED");
  });

  it("gives POSIX error codes", async () => {
    const fs = new SimFileSystem();
    const dir = await fs.makeTempDir("errors-");
    expect(await ioRejectionCode(fs.open(`${dir}/missing`))).toBe("ENOENT");
    expect(await ioRejectionCode(fs.open(`${dir}/no/such/file`, { create: true }))).toBe("ENOENT");
    await (await fs.open(`${dir}/f`, { create: true })).close();
    expect(await ioRejectionCode(fs.open(`${dir}/f`, { exclusive: true }))).toBe("EEXIST");
    expect(await ioRejectionCode(fs.open(`${dir}/f/x`, { create: true }))).toBe("ENOTDIR");
    expect(await ioRejectionCode(fs.open(dir))).toBe("EISDIR");
    expect(await ioRejectionCode(fs.readFile(dir))).toBe("EISDIR");
    expect(await ioRejectionCode(fs.list(`${dir}/f`))).toBe("ENOTDIR");
    expect(await ioRejectionCode(fs.list(`${dir}/nope`))).toBe("ENOENT");
    expect(await ioRejectionCode(fs.mkdirp(`${dir}/f/sub`))).toBe("ENOTDIR");
    await fs.mkdirp(`${dir}/d/e`);
    expect(await ioRejectionCode(fs.remove(`${dir}/d`))).toBe("ENOTEMPTY");
    expect(await ioRejectionCode(fs.rename(`${dir}/f`, `${dir}/d`))).toBe("EISDIR");
    expect(await ioRejectionCode(fs.rename(`${dir}/d`, `${dir}/f`))).toBe("ENOTDIR");
    expect(await ioRejectionCode(fs.rename(`${dir}/d`, `${dir}/d/e/inner`))).toBe("EINVAL");
    expect(await ioRejectionCode(fs.rename(`${dir}/gone`, `${dir}/g`))).toBe("ENOENT");
    expect(await ioRejectionCode(fs.open("relative/path"))).toBe("EINVAL");
    const readOnly = await fs.open(`${dir}/f`);
    expect(await ioRejectionCode(readOnly.append(bytes("x")))).toBe("EACCES");
    expect(await ioRejectionCode(fs.remove(`${dir}/not-there`))).toBe("ok");
  });

  it("lists sorted entries, renames atomically over files, removes trees", async () => {
    const fs = new SimFileSystem();
    const dir = await fs.makeTempDir("tree-");
    await fs.mkdirp(`${dir}/sub/deeper`);
    for (const name of ["b", "a", "c"]) {
      const f = await fs.open(`${dir}/${name}`, { create: true, write: true });
      await f.append(bytes(name));
      await f.close();
    }
    expect(await fs.list(dir)).toEqual([
      { name: "a", isFile: true, isDirectory: false },
      { name: "b", isFile: true, isDirectory: false },
      { name: "c", isFile: true, isDirectory: false },
      { name: "sub", isFile: false, isDirectory: true },
    ]);
    await fs.rename(`${dir}/a`, `${dir}/b`);
    expect(str(await fs.readFile(`${dir}/b`))).toBe("a");
    expect(await fs.exists(`${dir}/a`)).toBe(false);
    await fs.rename(`${dir}/c`, `${dir}/sub/deeper/c`);
    expect(str(await fs.readFile(`${dir}/sub/deeper/c`))).toBe("c");
    await fs.remove(`${dir}/sub`, { recursive: true });
    expect(await fs.exists(`${dir}/sub`)).toBe(false);
    expect(await fs.exists(`${dir}/b/under-a-file`)).toBe(false);
    const other = await fs.makeTempDir("tree-");
    expect(other).not.toBe(dir);
    expect(other.startsWith("/tmp/tree-")).toBe(true);
  });

  it("keeps an unlinked file readable through its open handle", async () => {
    const fs = new SimFileSystem();
    const dir = await fs.makeTempDir("unlink-");
    const f = await fs.open(`${dir}/x`, { create: true, write: true });
    await f.append(bytes("still here"));
    await fs.remove(`${dir}/x`);
    const buf = new Uint8Array(10);
    expect(await f.readAt(buf, 0)).toBe(10);
    expect(str(buf)).toBe("still here");
  });
});

describe("SimFileSystem faults", () => {
  it("fails the nth sync with EIO and leaves its data unsynced", async () => {
    const fs = new SimFileSystem({ faults: { failSyncNumber: 2 } });
    const dir = await fs.makeTempDir("eio-");
    const f = await fs.open(`${dir}/x`, { create: true, write: true });
    await f.append(bytes("one"));
    await f.sync();
    await f.append(bytes("two"));
    expect(await ioRejectionCode(f.sync())).toBe("EIO");
    expect(str(fs.durableSnapshot(`${dir}/x`))).toBe("one");
    await f.sync();
    expect(str(fs.durableSnapshot(`${dir}/x`))).toBe("onetwo");
  });

  it("refuses growth past the capacity with ENOSPC and writes nothing", async () => {
    const fs = new SimFileSystem({ faults: { capacityBytes: 10 } });
    const dir = await fs.makeTempDir("nospc-");
    const f = await fs.open(`${dir}/x`, { create: true, write: true });
    await f.append(bytes("12345678"));
    expect(await ioRejectionCode(f.append(bytes("abc")))).toBe("ENOSPC");
    expect(await f.size()).toBe(8);
    await f.writeAt(bytes("ab"), 0); // overwrites need no space
    fs.faults.capacityBytes = undefined;
    await f.append(bytes("abc"));
    expect(await f.size()).toBe(11);
  });

  it("with partialWrites, stores what fits before ENOSPC (a short write); freed space works", async () => {
    const fs = new SimFileSystem({ faults: { capacityBytes: 10, partialWrites: true } });
    const dir = await fs.makeTempDir("short-");
    const f = await fs.open(`${dir}/x`, { create: true, write: true });
    await f.append(bytes("12345678"));
    expect(await ioRejectionCode(f.append(bytes("abcd")))).toBe("ENOSPC");
    expect(await f.size()).toBe(10);
    expect(str(await fs.readFile(`${dir}/x`))).toBe("12345678ab");
    expect(await ioRejectionCode(f.writeAt(bytes("xyz"), 9))).toBe("ENOSPC");
    expect(str(await fs.readFile(`${dir}/x`))).toBe("12345678ax");
    await f.truncate(8); // shrinking needs no space
    fs.faults.capacityBytes = 20;
    await f.append(bytes("abcd"));
    expect(str(await fs.readFile(`${dir}/x`))).toBe("12345678abcd");
  });

  it("writes back the oldest dirty operations past dirtyOpsMax", async () => {
    const fs = new SimFileSystem({ dirtyOpsMax: 3 });
    const dir = await fs.makeTempDir("writeback-");
    const f = await fs.open(`${dir}/x`, { create: true, write: true });
    for (const c of "abcdef") await f.append(bytes(c));
    expect(str(fs.durableSnapshot(`${dir}/x`))).toBe("abc");
  });

  it("keeps nothing revocable with dirtyOpsMax 0 (embedded memory storage)", async () => {
    const fs = new SimFileSystem({ dirtyOpsMax: 0 });
    const dir = await fs.makeTempDir("embedded-");
    const f = await fs.open(`${dir}/x`, { create: true, write: true });
    await f.append(bytes("kept"));
    await fs.rename(`${dir}/x`, `${dir}/y`);
    const report = fs.crash();
    expect(report.fileOpsPending + report.dirOpsPending).toBe(0);
    expect(str(await fs.readFile(`${dir}/y`))).toBe("kept");
  });
});

describe("SimFileSystem crash", () => {
  async function workload(fs: SimFileSystem, dir: string) {
    const f = await fs.open(`${dir}/log`, { create: true, write: true });
    await f.append(bytes("synced-part|"));
    await f.sync();
    await fs.syncDir(dir);
    for (let i = 0; i < 6; i++) await f.append(bytes(`unsynced-${i}|`));
    const g = await fs.open(`${dir}/fresh`, { create: true, write: true });
    await g.append(bytes("fresh"));
    await g.sync(); // data synced, entry not
    return f;
  }

  it("loses everything unsynced in lose-all-unsynced mode and kills handles", async () => {
    const fs = new SimFileSystem();
    const dir = await fs.makeTempDir("crash-");
    const f = await workload(fs, dir);
    const report = fs.crash({ mode: "lose-all-unsynced" });
    expect(str(await fs.readFile(`${dir}/log`))).toBe("synced-part|");
    expect(await fs.exists(`${dir}/fresh`)).toBe(false);
    expect(report.fileOpsKept).toBe(0);
    expect(await ioRejectionCode(f.append(bytes("x")))).toBe("ECLOSED");
    const reopened = await fs.open(`${dir}/log`, { write: true });
    expect(await reopened.append(bytes("after"))).toBe(12);
  });

  it("keeps synced data always and a prefix of unsynced writes, sometimes torn", async () => {
    const full = "synced-part|" + [0, 1, 2, 3, 4, 5].map((i) => `unsynced-${i}|`).join("");
    let torn = 0;
    let lost = 0;
    let kept = 0;
    let freshSurvived = 0;
    for (let seed = 1; seed <= 60; seed++) {
      const fs = new SimFileSystem({ random: new SeededRandom(seed) });
      const dir = await fs.makeTempDir("crash-");
      await workload(fs, dir);
      const report = fs.crash();
      const after = str(await fs.readFile(`${dir}/log`));
      expect(after.startsWith("synced-part|")).toBe(true);
      expect(full.startsWith(after)).toBe(true);
      if (after === "synced-part|") lost++;
      if (after === full) kept++;
      if (!after.endsWith("|")) torn++;
      expect(report.tornWrites > 0).toBe(!after.endsWith("|"));
      if (await fs.exists(`${dir}/fresh`)) {
        freshSurvived++;
        expect(str(await fs.readFile(`${dir}/fresh`))).toBe("fresh");
      }
    }
    expect(torn).toBeGreaterThan(0);
    expect(lost).toBeGreaterThan(0);
    expect(kept).toBeGreaterThan(0);
    expect(freshSurvived).toBeGreaterThan(0);
    expect(freshSurvived).toBeLessThan(60);
  });

  it("makes a rename all-or-nothing and durable after syncDir", async () => {
    const outcomes = new Set<string>();
    for (let seed = 1; seed <= 40; seed++) {
      const fs = new SimFileSystem({ random: new SeededRandom(seed) });
      const dir = await fs.makeTempDir("rename-");
      for (const [name, body] of [["target", "old"], ["staging", "new"]]) {
        const f = await fs.open(`${dir}/${name}`, { create: true, write: true });
        await f.append(bytes(body));
        await f.sync();
      }
      await fs.syncDir(dir);
      await fs.rename(`${dir}/staging`, `${dir}/target`);
      fs.crash();
      const target = str(await fs.readFile(`${dir}/target`));
      const staging = await fs.exists(`${dir}/staging`);
      outcomes.add(`${target}/${staging}`);
      // Once the directory is synced, the rename is permanent.
      await fs.rename(`${dir}/target`, `${dir}/final`);
      await fs.syncDir(dir);
      fs.crash();
      expect(await fs.exists(`${dir}/target`)).toBe(false);
      expect(str(await fs.readFile(`${dir}/final`))).toBe(target);
    }
    expect([...outcomes].sort()).toEqual(["new/false", "old/true"]);
  });

  it("replays the same crash outcome for the same seed", async () => {
    const run = async (seed: number) => {
      const fs = new SimFileSystem({ random: new SeededRandom(seed) });
      const dir = await fs.makeTempDir("replay-");
      await workload(fs, dir);
      fs.crash();
      return `${str(await fs.readFile(`${dir}/log`))}:${await fs.exists(`${dir}/fresh`)}`;
    };
    const outcomes = [];
    for (let seed = 1; seed <= 10; seed++) {
      const first = await run(seed);
      expect(await run(seed)).toBe(first);
      outcomes.push(first);
    }
    expect(new Set(outcomes).size).toBeGreaterThan(1);
  });

  it("can undo an unsynced recursive remove partly but never resurrects synced removals", async () => {
    let partial = 0;
    for (let seed = 1; seed <= 40; seed++) {
      const fs = new SimFileSystem({ random: new SeededRandom(seed) });
      const dir = await fs.makeTempDir("rm-");
      await fs.mkdirp(`${dir}/tree`);
      for (const name of ["a", "b", "c"]) {
        await (await fs.open(`${dir}/tree/${name}`, { create: true })).close();
      }
      await fs.syncDir(`${dir}/tree`);
      await fs.syncDir(dir);
      await fs.remove(`${dir}/tree`, { recursive: true });
      fs.crash();
      if (await fs.exists(`${dir}/tree`)) {
        const left = (await fs.list(`${dir}/tree`)).map((e) => e.name);
        if (left.length > 0 && left.length < 3) partial++;
        await fs.remove(`${dir}/tree`, { recursive: true });
      }
      await fs.syncDir(dir);
      fs.crash();
      expect(await fs.exists(`${dir}/tree`)).toBe(false);
    }
    expect(partial).toBeGreaterThan(0);
  });
});
