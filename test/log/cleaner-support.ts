// Helpers for the cleaner tests and the compaction simulation: keyed batches, a full read of a
// log as records, and a file system that "loses power" at a chosen operation.

import type { DirEntry, FileHandle, FileSystem, OpenOptions } from "../../runtime/types.ts";
import { RuntimeIoError } from "../../runtime/types.ts";
import type { PartitionLog } from "../../src/log/partition-log.ts";
import { batchesIn, decodeRecordsAsync, encodeBatch } from "../../src/log/record-batch.ts";

export const text = new TextEncoder();
const decoder = new TextDecoder();

/** A batch of keyed records; a null value is a tombstone. */
export function keyed(
  entries: ReadonlyArray<readonly [string, string | null]>,
  timestamp: number,
): Uint8Array {
  return encodeBatch({
    records: entries.map(([key, value], i) => ({
      key: text.encode(key),
      value: value === null ? null : text.encode(value),
      timestamp: timestamp + i,
    })),
  });
}

export interface ReadRecord {
  offset: number;
  key: string | null;
  value: string | null;
  timestamp: number;
}

/** Every record from the log start to the log end, in order, as a consumer would see them. */
export async function readRecords(log: PartitionLog, maxBytes = 64 * 1024): Promise<ReadRecord[]> {
  const out: ReadRecord[] = [];
  let offset = log.logStartOffset;
  const end = log.logEndOffset;
  for (let round = 0; offset < end; round++) {
    if (round > 100_000) throw new Error(`reading ${log.dir} made no progress at ${offset}`);
    const read = await log.read(offset, maxBytes, { maxOffset: end });
    if (read.nextOffset <= offset) throw new Error(`read(${offset}) did not advance`);
    for (const { position } of batchesIn(read.bytes)) {
      for (const r of await decodeRecordsAsync(read.bytes, position)) {
        if (r.offset < offset) continue;
        out.push({
          offset: r.offset,
          key: r.key === null ? null : decoder.decode(r.key),
          value: r.value === null ? null : decoder.decode(r.value),
          timestamp: r.timestamp,
        });
      }
    }
    offset = read.nextOffset;
  }
  return out;
}

/** The last record of every key, in order of keys first seen. */
export function latestByKey(records: readonly ReadRecord[]): Map<string | null, ReadRecord> {
  const latest = new Map<string | null, ReadRecord>();
  for (const r of records) latest.set(r.key, r);
  return latest;
}

/** Operations that change the disk (reads are not counted). */
export type MutatingOp =
  | "open"
  | "rename"
  | "remove"
  | "mkdirp"
  | "syncDir"
  | "write"
  | "truncate"
  | "sync";

/**
 * Counts disk-changing operations and calls trip() instead of the one for which `at` says so
 * (the caller cuts power there); from then on every call fails with ECLOSED, like a process
 * that died. Handles opened through it are wrapped, so writes and syncs count too.
 */
export class FuseFileSystem implements FileSystem {
  ops = 0;
  #blown = false;
  readonly #inner: FileSystem;
  readonly #at: (op: MutatingOp, path: string, count: number) => boolean;
  readonly #trip: () => void;

  constructor(
    inner: FileSystem,
    at: (op: MutatingOp, path: string, count: number) => boolean,
    trip: () => void,
  ) {
    this.#inner = inner;
    this.#at = at;
    this.#trip = trip;
  }

  get blown(): boolean {
    return this.#blown;
  }

  /** Fails every call from now on (the process died some other way). */
  blow(): void {
    this.#blown = true;
  }

  #step(op: MutatingOp, path: string): void {
    if (!this.#blown && this.#at(op, path, ++this.ops)) {
      this.#blown = true;
      this.#trip();
    }
    this.#alive(op);
  }

  #alive(op: string): void {
    if (this.#blown) throw new RuntimeIoError("ECLOSED", `${op}: the process lost power`);
  }

  async open(path: string, options?: OpenOptions): Promise<FileHandle> {
    if (options?.write === true || options?.create === true) this.#step("open", path);
    this.#alive("open");
    const handle = await this.#inner.open(path, options);
    this.#alive("open");
    const step = (op: MutatingOp) => this.#step(op, path);
    const alive = (op: string) => this.#alive(op);
    return {
      path: handle.path,
      readAt: (buf, position) => (alive("read"), handle.readAt(buf, position)),
      writeAt: (data, position) => (step("write"), handle.writeAt(data, position)),
      append: (data) => (step("write"), handle.append(data)),
      truncate: (size) => (step("truncate"), handle.truncate(size)),
      size: () => (alive("size"), handle.size()),
      sync: () => (step("sync"), handle.sync()),
      close: () => handle.close(),
    };
  }

  async readFile(path: string): Promise<Uint8Array> {
    this.#alive("readFile");
    return await this.#inner.readFile(path);
  }
  async mkdirp(path: string): Promise<void> {
    this.#step("mkdirp", path);
    await this.#inner.mkdirp(path);
  }
  async list(path: string): Promise<DirEntry[]> {
    this.#alive("list");
    return await this.#inner.list(path);
  }
  async rename(from: string, to: string): Promise<void> {
    this.#step("rename", to);
    await this.#inner.rename(from, to);
  }
  async remove(path: string, options?: { recursive?: boolean }): Promise<void> {
    this.#step("remove", path);
    await this.#inner.remove(path, options);
  }
  async exists(path: string): Promise<boolean> {
    this.#alive("exists");
    return await this.#inner.exists(path);
  }
  async syncDir(path: string): Promise<void> {
    this.#step("syncDir", path);
    await this.#inner.syncDir(path);
  }
  async makeTempDir(prefix: string): Promise<string> {
    this.#alive("makeTempDir");
    return await this.#inner.makeTempDir(prefix);
  }
}
