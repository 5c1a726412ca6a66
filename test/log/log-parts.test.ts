// Unit tests of the partition log's parts: names, config, sparse index, locks, group commit,
// retention choice, checkpoint file.
import { describe, expect, it } from "vitest";
import { SimFileSystem } from "../../runtime/sim/fs.ts";
import { AsyncLock } from "../../src/log/async-lock.ts";
import { readCheckpoint, writeCheckpoint } from "../../src/log/checkpoint.ts";
import {
  defaultLogConfig,
  logConfigFromKafka,
  logConfigToKafka,
  resolveLogConfig,
} from "../../src/log/config.ts";
import { GroupCommit } from "../../src/log/group-commit.ts";
import { segmentsToDelete } from "../../src/log/retention.ts";
import { parentPath, parseSegmentFileName, segmentFileName } from "../../src/log/segment-files.ts";
import { OFFSET_INDEX_FORMAT, SparseIndex, TIME_INDEX_FORMAT } from "../../src/log/sparse-index.ts";

describe("segment file names", () => {
  it("are 20-digit zero-padded base offsets and parse back", () => {
    expect(segmentFileName(0, "log")).toBe("00000000000000000000.log");
    expect(segmentFileName(1234, "timeindex")).toBe("00000000000000001234.timeindex");
    expect(parseSegmentFileName("00000000000000001234.index")).toEqual({
      baseOffset: 1234,
      kind: "index",
    });
    expect(parseSegmentFileName("1234.log")).toBeNull();
    expect(parseSegmentFileName("00000000000000001234.log.deleted")).toBeNull();
    expect(parentPath("/a/b/c")).toBe("/a/b");
    expect(parentPath("/a")).toBe("/");
    expect(parentPath("a")).toBe(".");
  });
});

describe("log config", () => {
  it("fills defaults and rejects out-of-range values with INVALID_CONFIG", () => {
    expect(resolveLogConfig({ segmentBytes: 1000 })).toEqual({
      ...defaultLogConfig,
      segmentBytes: 1000,
    });
    for (
      const bad of [{ segmentBytes: 10 }, { retentionMs: -2 }, { flushMessages: 0 }, {
        segmentBytes: 2 ** 31,
      }, { indexIntervalBytes: 1.5 }]
    ) {
      expect(() => resolveLogConfig(bad)).toThrow(
        expect.objectContaining({ code: "INVALID_CONFIG" }),
      );
    }
  });

  it("maps Kafka config names both ways", () => {
    const parsed = logConfigFromKafka({
      "segment.bytes": "2048",
      "flush.ms": "9223372036854775807",
      "cleanup.policy": "delete",
    });
    expect(parsed).toEqual({ segmentBytes: 2048, flushMs: Infinity, cleanupPolicy: "delete" });
    const text = logConfigToKafka(resolveLogConfig(parsed));
    expect(text["segment.bytes"]).toBe("2048");
    expect(text["flush.messages"]).toBe("9223372036854775807");
    expect(logConfigFromKafka(text)).toMatchObject({ segmentBytes: 2048, flushMessages: Infinity });
    expect(
      logConfigFromKafka({
        "cleanup.policy": "delete, compact",
        "min.cleanable.dirty.ratio": "0.25",
        "delete.retention.ms": "5",
      }),
    ).toEqual({
      cleanupPolicy: "compact,delete",
      minCleanableDirtyRatio: 0.25,
      deleteRetentionMs: 5,
    });
    expect(text["min.cleanable.dirty.ratio"]).toBe("0.5");
    const bads: Record<string, string>[] = [
      { "cleanup.policy": "shred" },
      { "min.cleanable.dirty.ratio": "1.5" },
    ];
    for (const bad of bads) {
      expect(() => logConfigFromKafka(bad)).toThrow(
        expect.objectContaining({ code: "INVALID_CONFIG" }),
      );
    }
    expect(() => logConfigFromKafka({ "retention.ms": "soon" })).toThrow(
      expect.objectContaining({ code: "INVALID_CONFIG" }),
    );
  });
});

describe("SparseIndex", () => {
  async function freshIndex(format = OFFSET_INDEX_FORMAT) {
    const fs = new SimFileSystem();
    await fs.mkdirp("/d");
    const file = await fs.open("/d/x", { create: true, write: true });
    return { fs, file, index: new SparseIndex(format, file, 0) };
  }

  it("finds the last entry at or below a key, and persists only what changed", async () => {
    const { fs, file, index } = await freshIndex();
    for (const [k, v] of [[3, 100], [7, 200], [20, 900]]) index.append(k, v);
    expect([index.floor(0), index.floor(3), index.floor(6), index.floor(7), index.floor(1000)])
      .toEqual([-1, 0, 0, 1, 2]);
    expect(() => index.append(20, 1000)).toThrow(/keys increase/);
    await index.persist();
    expect((await fs.readFile("/d/x")).length).toBe(24);
    index.truncateEntries(1);
    index.append(5, 150);
    expect(index.dirty).toBe(true);
    await index.persist();
    await index.sync();
    expect(index.dirty).toBe(false);
    const reread = new SparseIndex(OFFSET_INDEX_FORMAT, file, 16);
    expect(await reread.readLastEntry()).toEqual({ key: 5, value: 150 });
    expect(await reread.load(1000, 10)).toBe(true);
    expect([reread.count, reread.key(1), reread.value(1)]).toEqual([2, 5, 150]);
  });

  it("refuses to load entries out of order or out of range", async () => {
    const { file } = await freshIndex(TIME_INDEX_FORMAT);
    const bytes = new Uint8Array(24);
    const view = new DataView(bytes.buffer);
    view.setBigInt64(0, 50n);
    view.setUint32(8, 1);
    view.setBigInt64(12, 40n);
    view.setUint32(20, 2);
    await file.writeAt(bytes, 0);
    const index = new SparseIndex(TIME_INDEX_FORMAT, file, 24);
    expect(await index.load(100, 10)).toBe(false);
    expect(index.count).toBe(0);
    expect(index.dirty).toBe(true);
  });
});

describe("AsyncLock", () => {
  it("serves waiters in arrival order and never lets a writer in with readers", async () => {
    const lock = new AsyncLock("test");
    const events: string[] = [];
    const hold = (name: string, ms: number) => async () => {
      events.push(`${name}+`);
      await new Promise((r) => setTimeout(r, ms));
      events.push(`${name}-`);
    };
    await Promise.all([
      lock.shared(hold("r1", 5)),
      lock.shared(hold("r2", 5)),
      lock.exclusive(hold("w", 1)),
      lock.shared(hold("r3", 1)),
    ]);
    expect(events.slice(0, 2).sort()).toEqual(["r1+", "r2+"]);
    const w = events.indexOf("w+");
    expect(events.indexOf("r1-")).toBeLessThan(w);
    expect(events.indexOf("r2-")).toBeLessThan(w);
    expect(events.indexOf("w-")).toBeLessThan(events.indexOf("r3+"));
    expect(lock.busy).toBe(false);
  });
});

describe("GroupCommit", () => {
  it("lets callers ride a round only while its target is unset or covers them", async () => {
    let durable = 0;
    let written = 0;
    const targets: number[] = [];
    let release: () => void = () => {};
    const commit = new GroupCommit(async (onTarget) => {
      await Promise.resolve();
      const target = written;
      onTarget(target);
      targets.push(target);
      await new Promise<void>((r) => (release = r));
      durable = target;
    }, () => durable);
    written = 1;
    const a = commit.waitDurable(1);
    written = 2;
    const b = commit.waitDurable(2); // joins: the round has not chosen its target yet
    await Promise.resolve();
    await Promise.resolve();
    written = 3;
    const c = commit.waitDurable(3); // too late for round 1
    let cDone = false;
    void c.then(() => (cDone = true));
    release();
    await Promise.all([a, b]);
    expect(targets[0]).toBe(2);
    expect(durable).toBe(2);
    await new Promise((r) => setTimeout(r, 0));
    expect(cDone).toBe(false);
    release();
    await c;
    expect(targets).toEqual([2, 3]);
    expect(commit.rounds).toBe(2);
    await commit.waitDurable(3);
    expect(commit.rounds).toBe(2);
  });

  it("rejects every waiter of a failed round", async () => {
    const commit = new GroupCommit((onTarget) => {
      onTarget(5);
      return Promise.reject(new Error("EIO"));
    }, () => 0);
    const results = await Promise.allSettled([commit.waitDurable(1), commit.waitDurable(2)]);
    expect(results.map((r) => r.status)).toEqual(["rejected", "rejected"]);
    await commit.idle();
  });
});

describe("segmentsToDelete", () => {
  const seg = (baseOffset: number, sizeBytes: number, maxTimestamp: number) => ({
    baseOffset,
    nextOffset: baseOffset + 10,
    sizeBytes,
    maxTimestamp,
    createdMs: 0,
  });
  const segments = [seg(0, 100, 1000), seg(10, 100, 2000), seg(20, 100, 3000), seg(30, 100, 4000)];

  it("deletes an old prefix by time, the active segment too once it is due", () => {
    expect(segmentsToDelete(segments, { retentionMs: 1000, retentionBytes: -1 }, 2500)).toBe(1);
    expect(segmentsToDelete(segments, { retentionMs: 1000, retentionBytes: -1 }, 4500)).toBe(3);
    expect(segmentsToDelete(segments, { retentionMs: 1000, retentionBytes: -1 }, 10_000)).toBe(4);
    expect(segmentsToDelete(segments, { retentionMs: -1, retentionBytes: -1 }, 10_000)).toBe(0);
  });

  it("deletes by size while the rest still exceeds retention.bytes", () => {
    expect(segmentsToDelete(segments, { retentionMs: -1, retentionBytes: 250 }, 0)).toBe(1);
    expect(segmentsToDelete(segments, { retentionMs: -1, retentionBytes: 200 }, 0)).toBe(2);
    expect(segmentsToDelete(segments, { retentionMs: -1, retentionBytes: 0 }, 0)).toBe(4);
  });

  it("keeps what reaches past the high watermark, and an empty active segment", () => {
    const policy = { retentionMs: 1000, retentionBytes: -1 };
    expect(segmentsToDelete(segments, policy, 10_000, 35)).toBe(3);
    expect(segmentsToDelete(segments, policy, 10_000, 30)).toBe(3);
    expect(segmentsToDelete(segments, policy, 10_000, 29)).toBe(2);
    const emptyActive = [...segments.slice(0, 3), { ...seg(30, 0, -1), nextOffset: 30 }];
    expect(segmentsToDelete(emptyActive, policy, 10_000)).toBe(3);
  });
});

describe("checkpoint file", () => {
  it("round-trips and survives a crash whole", async () => {
    const fs = new SimFileSystem();
    await fs.mkdirp("/p");
    await fs.syncDir("/");
    expect(await readCheckpoint(fs, "/p")).toBeNull();
    await writeCheckpoint(fs, "/p", { logStartOffset: 5, recoveryPoint: 9 });
    fs.crash({ mode: "lose-all-unsynced" });
    expect(await readCheckpoint(fs, "/p")).toEqual({ logStartOffset: 5, recoveryPoint: 9 });
    expect(new TextDecoder().decode(await fs.readFile("/p/log.checkpoint"))).toBe(
      "tributary-log-checkpoint 1\nlogStartOffset 5\nrecoveryPoint 9\n",
    );
  });
});
