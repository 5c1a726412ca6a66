// The leader-epoch-checkpoint file: its format (Kafka's), the round trip, what counts as
// corrupt, and power cuts at every disk operation of a rewrite.
import { describe, expect, it } from "vitest";
import type { FileSystem } from "../../runtime/types.ts";
import type { EpochEntry } from "../../src/log/leader-epoch-cache.ts";
import {
  formatEpochCheckpoint,
  LEADER_EPOCH_CHECKPOINT_FILE,
  parseEpochCheckpoint,
  readEpochCheckpoint,
  writeEpochCheckpoint,
} from "../../src/log/leader-epoch-checkpoint.ts";
import { TributaryError } from "../../src/model/errors.ts";
import { FuseFileSystem } from "./cleaner-support.ts";
import { memoryRuntime } from "./support.ts";

const DIR = "/data/t-0";
const PATH = `${DIR}/${LEADER_EPOCH_CHECKPOINT_FILE}`;
const OLD: EpochEntry[] = [{ epoch: 0, startOffset: 0 }, { epoch: 3, startOffset: 1200 }];
const NEW: EpochEntry[] = [...OLD, { epoch: 4, startOffset: 1500 }, {
  epoch: 9,
  startOffset: 2 ** 40,
}];

async function makeDirDurable(fs: FileSystem): Promise<void> {
  await fs.mkdirp(DIR);
  await fs.syncDir("/");
  await fs.syncDir("/data");
}

async function writeRaw(fs: FileSystem, text: string): Promise<void> {
  await makeDirDurable(fs);
  await writeInPlace(fs, text);
}

/** What writeEpochCheckpoint must not do: overwrite the file itself. */
async function writeInPlace(fs: FileSystem, text: string): Promise<void> {
  const file = await fs.open(PATH, { create: true, write: true, truncate: true });
  await file.writeAt(new TextEncoder().encode(text), 0);
  await file.sync();
  await file.close();
  await fs.syncDir(DIR);
}

describe("leader-epoch-checkpoint format", () => {
  it("is Kafka's text: version 0, count, one 'epoch startOffset' line each", () => {
    expect(formatEpochCheckpoint(OLD)).toBe("0\n2\n0 0\n3 1200\n");
    expect(formatEpochCheckpoint([])).toBe("0\n0\n");
    expect(parseEpochCheckpoint("0\n2\n0 0\n3 1200\n")).toEqual({ entries: OLD });
    expect(parseEpochCheckpoint("0\n0\n")).toEqual({ entries: [] });
  });

  it("refuses to write entries that do not increase", () => {
    expect(() =>
      formatEpochCheckpoint([{ epoch: 3, startOffset: 5 }, { epoch: 2, startOffset: 9 }])
    )
      .toThrow(TributaryError);
  });

  it("names what is wrong with a file that does not parse", () => {
    const cases: [string, RegExp][] = [
      ["", /no final newline/],
      ["0\n2\n0 0\n3 1200", /no final newline/],
      ["1\n1\n0 0\n", /version line "1"/],
      ["0\nx\n", /count line "x"/],
      ["0\n3\n0 0\n3 1200\n", /2 entry lines, count says 3/],
      ["0\n1\n0 0\n3 1200\n", /2 entry lines, count says 1/],
      ["0\n2\n0 0\n3 12x0\n", /entry line 2/],
      ["0\n1\n-1 0\n", /entry line 1/],
      ["0\n1\n2147483648 0\n", /entry line 1/],
      ["0\n1\n0 9007199254740993\n", /entry line 1/],
      ["0\n2\n3 0\n3 1200\n", /must increase/],
      ["0\n2\n0 10\n3 10\n", /must increase/],
      ["0\n2\n0 0\n\n", /entry line 2/],
    ];
    for (const [text, detail] of cases) {
      const parsed = parseEpochCheckpoint(text);
      expect("detail" in parsed ? parsed.detail : "parsed", JSON.stringify(text)).toMatch(detail);
    }
  });
});

describe("leader-epoch-checkpoint on disk", () => {
  it("round-trips through the file system and replaces the file whole", async () => {
    const rt = memoryRuntime();
    await rt.fs.mkdirp(DIR);
    expect(await readEpochCheckpoint(rt.fs, DIR)).toEqual({ kind: "missing" });
    await writeEpochCheckpoint(rt.fs, DIR, NEW);
    expect(await readEpochCheckpoint(rt.fs, DIR)).toEqual({ kind: "ok", entries: NEW });
    await writeEpochCheckpoint(rt.fs, DIR, OLD);
    expect(await readEpochCheckpoint(rt.fs, DIR)).toEqual({ kind: "ok", entries: OLD });
    expect(new TextDecoder().decode(await rt.fs.readFile(PATH))).toBe("0\n2\n0 0\n3 1200\n");
    expect((await rt.fs.list(DIR)).map((e) => e.name)).toEqual([LEADER_EPOCH_CHECKPOINT_FILE]);
  });

  it("reports a damaged or oversized file as corrupt, not as an error", async () => {
    const rt = memoryRuntime();
    await writeRaw(rt.fs, "0\n2\n0 0\n3 12");
    expect(await readEpochCheckpoint(rt.fs, DIR)).toEqual({
      kind: "corrupt",
      detail: "no final newline",
    });
    await writeRaw(rt.fs, "0\n1\n" + "9".repeat(1024 * 1024) + "\n");
    const big = await readEpochCheckpoint(rt.fs, DIR);
    expect(big.kind).toBe("corrupt");
  });

  it("a power cut at any operation of a rewrite leaves the old or the new file (12 seeds)", async () => {
    const seen = new Set<string>();
    for (let seed = 1; seed <= 12; seed++) {
      let completed = false;
      // writeFileAtomic takes five disk operations; 10 leaves room and ends the loop anyway.
      for (let at = 1; at <= 10 && !completed; at++) {
        const rt = memoryRuntime(seed);
        await makeDirDurable(rt.fs);
        await writeEpochCheckpoint(rt.fs, DIR, OLD);
        const mode = seed % 2 === 0 ? "lose-all-unsynced" : "random-prefix";
        const fuse = new FuseFileSystem(rt.disk, (_op, _path, count) => count === at, () => {
          rt.disk.crash({ mode });
        });
        completed = await writeEpochCheckpoint(fuse, DIR, NEW).then(() => true, () => false);
        if (!completed) expect(fuse.blown).toBe(true);
        const read = await readEpochCheckpoint(rt.disk, DIR);
        expect(read.kind, `seed ${seed} cut at ${at}`).toBe("ok");
        const entries = read.kind === "ok" ? read.entries : [];
        expect([OLD, NEW], `seed ${seed} cut at ${at}`).toContainEqual(entries);
        if (completed) expect(entries).toEqual(NEW);
        seen.add(JSON.stringify(entries) === JSON.stringify(NEW) ? "new" : "old");
      }
      expect(completed, `seed ${seed}: the rewrite finished once nothing cut it`).toBe(true);
    }
    // The cuts hit both sides of the rename: some left the old file, some the new one.
    expect([...seen].sort()).toEqual(["new", "old"]);
  });

  it("the power-cut check above does catch a rewrite in place (torn or lost files)", async () => {
    const outcomes = new Set<string>();
    for (let seed = 1; seed <= 12; seed++) {
      for (let at = 1; at <= 4; at++) {
        const rt = memoryRuntime(seed);
        await writeRaw(rt.fs, formatEpochCheckpoint(OLD));
        const fuse = new FuseFileSystem(rt.disk, (_op, _path, count) => count === at, () => {
          rt.disk.crash({ mode: "random-prefix" });
        });
        await writeInPlace(fuse, formatEpochCheckpoint(NEW)).catch(() => undefined);
        outcomes.add((await readEpochCheckpoint(rt.disk, DIR)).kind);
      }
    }
    expect(outcomes.has("corrupt") || outcomes.has("missing")).toBe(true);
  });
});
