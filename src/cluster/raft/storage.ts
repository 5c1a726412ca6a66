// What a controller's Raft node keeps on disk, in <dataDir>/__raft_metadata/ (docs/controller.md
// "Driver and storage"):
//
//   quorum-state  term and vote, JSON, replaced atomically (temp, fsync, rename, dir fsync)
//   log           the entries after the snapshot, one append-only file of frames:
//                   u32 length of what follows the CRC | u32 CRC-32C of it |
//                   u64 term | u64 index | u8 1 when data follows, 0 for a no-op | data
//   snapshot      u64 index | u64 term | data | u32 CRC-32C of all before it, replaced atomically
//
// Every write resolves only once it is fsynced: what a caller was told is durable survives a
// power cut. A log frame that was not synced may be torn or half there after one: load() cuts the
// log at the first frame that does not check out (raft.log.truncated) and fsyncs the cut.
import { crc32c } from "../../log/crc32c.ts";
import { writeFileAtomic } from "../../log/durable-file.ts";
import { joinPath } from "../../log/segment-files.ts";
import { mkdirDurable } from "../../metadata/durable-dir.ts";
import type { Entry, PersistentState } from "../../controller/raft/types.ts";
import type { Logger } from "../../logging/logger.ts";
import { assert, TributaryError } from "../../model/errors.ts";
import { type FileHandle, type FileSystem, isIoError } from "../../../runtime/types.ts";

export const RAFT_DIR = "__raft_metadata";
export const QUORUM_STATE_FILE = "quorum-state";
export const LOG_FILE = "log";
export const SNAPSHOT_FILE = "snapshot";

const FRAME_HEAD_BYTES = 8;
const FRAME_FIXED_BYTES = 17;
/** One entry's data at most; a length beyond it is a damaged frame. */
export const ENTRY_BYTES_MAX = 64 * 1024 * 1024;
const QUORUM_STATE_BYTES_MAX = 4096;
const TWO_32 = 2 ** 32;

export interface RaftSnapshot {
  index: number;
  term: number;
  data: Uint8Array;
}

function setU64(view: DataView, at: number, value: number): void {
  view.setUint32(at, Math.floor(value / TWO_32));
  view.setUint32(at + 4, value >>> 0);
}

function getU64(view: DataView, at: number): number {
  return view.getUint32(at) * TWO_32 + view.getUint32(at + 4);
}

export function encodeFrame(index: number, entry: Entry): Uint8Array {
  const dataBytes = entry.data?.length ?? 0;
  const frame = new Uint8Array(FRAME_HEAD_BYTES + FRAME_FIXED_BYTES + dataBytes);
  const view = new DataView(frame.buffer);
  view.setUint32(0, FRAME_FIXED_BYTES + dataBytes);
  setU64(view, 8, entry.term);
  setU64(view, 16, index);
  frame[24] = entry.data === null ? 0 : 1;
  if (entry.data !== null) frame.set(entry.data, 25);
  view.setUint32(4, crc32c(frame, FRAME_HEAD_BYTES));
  return frame;
}

export interface Frame {
  index: number;
  entry: Entry;
  end: number;
}

/** The frame at `at`, or null when it is cut short or does not check out. */
function readFrame(bytes: Uint8Array, at: number): Frame | null {
  if (bytes.length - at < FRAME_HEAD_BYTES + FRAME_FIXED_BYTES) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset + at, bytes.length - at);
  const length = view.getUint32(0);
  if (length < FRAME_FIXED_BYTES || length > FRAME_FIXED_BYTES + ENTRY_BYTES_MAX) return null;
  const end = at + FRAME_HEAD_BYTES + length;
  if (end > bytes.length) return null;
  if (crc32c(bytes, at + FRAME_HEAD_BYTES, end) !== view.getUint32(4)) return null;
  const flag = view.getUint8(24);
  if (flag > 1 || (flag === 0 && length !== FRAME_FIXED_BYTES)) return null;
  const data = flag === 0 ? null : bytes.slice(at + 25, end);
  return { index: getU64(view, 16), entry: { term: getU64(view, 8), data }, end };
}

export interface ScannedLog {
  /** The frames that check out, in order, each index one more than the last. */
  frames: Frame[];
  /** Where they end: anything after is a torn or damaged tail. */
  validBytes: number;
}

/** Reads log frames from the start of bytes up to the first that does not check out. */
export function scanLogFrames(bytes: Uint8Array): ScannedLog {
  const frames: Frame[] = [];
  let end = 0;
  while (end < bytes.length) {
    const frame = readFrame(bytes, end);
    const prev = frames.at(-1);
    if (frame === null || (prev !== undefined && frame.index !== prev.index + 1)) break;
    if (prev !== undefined && frame.entry.term < prev.entry.term) break;
    frames.push(frame);
    end = frame.end;
  }
  return { frames, validBytes: end };
}

function storageError(message: string, cause?: unknown): TributaryError {
  return new TributaryError("KAFKA_STORAGE_ERROR", `raft storage: ${message}`, { cause });
}

async function readOptional(fs: FileSystem, path: string): Promise<Uint8Array | null> {
  try {
    return await fs.readFile(path);
  } catch (err) {
    if (isIoError(err, "ENOENT")) return null;
    throw err;
  }
}

export function encodeSnapshot(snapshot: RaftSnapshot): Uint8Array {
  const bytes = new Uint8Array(16 + snapshot.data.length + 4);
  const view = new DataView(bytes.buffer);
  setU64(view, 0, snapshot.index);
  setU64(view, 8, snapshot.term);
  bytes.set(snapshot.data, 16);
  view.setUint32(bytes.length - 4, crc32c(bytes, 0, bytes.length - 4));
  return bytes;
}

export function decodeSnapshot(bytes: Uint8Array): RaftSnapshot {
  if (bytes.length < 20) throw storageError(`snapshot file of ${bytes.length} bytes`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  if (crc32c(bytes, 0, bytes.length - 4) !== view.getUint32(bytes.length - 4)) {
    // Written atomically: damage came from outside Tributary, and the log behind it is gone.
    throw storageError("snapshot file fails its CRC");
  }
  return { index: getU64(view, 0), term: getU64(view, 8), data: bytes.slice(16, -4) };
}

function decodeQuorumState(bytes: Uint8Array): { term: number; votedFor: number | null } {
  let value: unknown;
  try {
    value = bytes.length <= QUORUM_STATE_BYTES_MAX
      ? JSON.parse(new TextDecoder().decode(bytes))
      : null;
  } catch (err) {
    throw storageError("quorum-state is not JSON", err);
  }
  const v = value as { term?: unknown; votedFor?: unknown } | null;
  const term = v?.term;
  const votedFor = v?.votedFor;
  if (
    typeof term !== "number" || !Number.isSafeInteger(term) || term < 0 ||
    (votedFor !== null && (typeof votedFor !== "number" || !Number.isSafeInteger(votedFor)))
  ) {
    throw storageError("quorum-state has no valid term and votedFor");
  }
  return { term, votedFor: votedFor as number | null };
}

export class RaftStorage {
  readonly dir: string;
  readonly #fs: FileSystem;
  readonly #logger: Logger;
  #file: FileHandle | null = null;
  /** Index of the entry before the first stored one (the snapshot's). */
  #startIndex = 0;
  /** Byte end of each stored frame, the one of index startIndex + 1 first. */
  #ends: number[] = [];
  /** The stored entries (for the rewrite when the log is compacted). */
  #entries: Entry[] = [];

  private constructor(fs: FileSystem, dir: string, logger: Logger) {
    this.#fs = fs;
    this.dir = dir;
    this.#logger = logger;
  }

  static async open(fs: FileSystem, dataDir: string, logger: Logger): Promise<RaftStorage> {
    const dir = joinPath(dataDir, RAFT_DIR);
    await mkdirDurable(fs, dir);
    return new RaftStorage(fs, dir, logger);
  }

  get lastIndex(): number {
    return this.#startIndex + this.#entries.length;
  }

  /** Reads everything back, cutting a torn or damaged log tail (fsynced before it returns). */
  async load(): Promise<PersistentState> {
    const stateBytes = await readOptional(this.#fs, joinPath(this.dir, QUORUM_STATE_FILE));
    const hard = stateBytes === null ? { term: 0, votedFor: null } : decodeQuorumState(stateBytes);
    const snapBytes = await readOptional(this.#fs, joinPath(this.dir, SNAPSHOT_FILE));
    const snapshot = snapBytes === null ? null : decodeSnapshot(snapBytes);
    const logPath = joinPath(this.dir, LOG_FILE);
    const bytes = (await readOptional(this.#fs, logPath)) ?? new Uint8Array(0);
    const { frames, validBytes: end } = scanLogFrames(bytes);
    const file = await this.#fs.open(logPath, { create: true, write: true });
    this.#file = file;
    if (end < bytes.length) {
      await file.truncate(end);
      await file.sync();
      this.#logger.warn("raft.log.truncated", "cut a torn or damaged tail off the raft log", {
        dir: this.dir,
        validBytes: end,
        cutBytes: bytes.length - end,
        entries: frames.length,
      });
    }
    const startIndex = snapshot?.index ?? 0;
    const startTerm = snapshot?.term ?? 0;
    const kept = this.#keptAfter(frames, startIndex, startTerm);
    this.#startIndex = startIndex;
    this.#entries = kept.map((frame) => frame.entry);
    if (kept.length !== frames.length) {
      // Frames at or below the snapshot, or a log the snapshot replaced (a crash between writing
      // an installed snapshot and emptying the log): rewrite the file with what stays.
      await this.#rewrite();
    } else {
      this.#ends = frames.map((frame) => frame.end);
    }
    return {
      term: hard.term,
      votedFor: hard.votedFor,
      logStartIndex: startIndex,
      logStartTerm: startTerm,
      entries: [...this.#entries],
      snapshot: snapshot?.data ?? null,
    };
  }

  /** The frames that continue the snapshot at (index, term); none when the log does not. */
  #keptAfter(frames: Frame[], index: number, term: number): Frame[] {
    if (frames.length === 0) return frames;
    const first = frames[0].index;
    if (first === index + 1) return frames;
    const at = frames.find((frame) => frame.index === index);
    if (first <= index && at !== undefined && at.entry.term === term) {
      return frames.filter((frame) => frame.index > index);
    }
    if (first > index + 1) throw storageError(`log starts at ${first}, after snapshot ${index}`);
    return [];
  }

  async saveHardState(term: number, votedFor: number | null): Promise<void> {
    const text = JSON.stringify({ term, votedFor });
    await writeFileAtomic(this.#fs, this.dir, QUORUM_STATE_FILE, new TextEncoder().encode(text));
  }

  /** Drops the stored entries from fromIndex on, stores `entries` from there, fsyncs. */
  async append(fromIndex: number, entries: readonly Entry[]): Promise<void> {
    const file = this.#open();
    assert(
      fromIndex > this.#startIndex && fromIndex <= this.lastIndex + 1,
      `raft storage append at ${fromIndex} within (${this.#startIndex}, ${this.lastIndex + 1}]`,
    );
    const keep = fromIndex - this.#startIndex - 1;
    if (keep < this.#entries.length) {
      await file.truncate(keep === 0 ? 0 : this.#ends[keep - 1]);
      this.#entries.length = keep;
      this.#ends.length = keep;
    }
    let end = keep === 0 ? 0 : this.#ends[keep - 1];
    const frames = entries.map((entry, i) => encodeFrame(fromIndex + i, entry));
    if (frames.length > 0) {
      const joined = new Uint8Array(frames.reduce((sum, frame) => sum + frame.length, 0));
      let at = 0;
      for (const frame of frames) {
        joined.set(frame, at);
        at += frame.length;
        this.#ends.push(end + at);
      }
      await file.writeAt(joined, end);
      end += joined.length;
      this.#entries.push(...entries);
    }
    await file.sync();
  }

  /** Saves the state machine's snapshot as of (index, term) atomically. */
  async saveSnapshot(snapshot: RaftSnapshot): Promise<void> {
    await writeFileAtomic(this.#fs, this.dir, SNAPSHOT_FILE, encodeSnapshot(snapshot));
  }

  /** Stores a snapshot from the leader and empties the log behind it (both fsynced). */
  async installSnapshot(snapshot: RaftSnapshot): Promise<void> {
    await this.saveSnapshot(snapshot);
    this.#startIndex = snapshot.index;
    this.#entries = [];
    this.#ends = [];
    const file = this.#open();
    await file.truncate(0);
    await file.sync();
  }

  /** Drops the stored entries up to index (a saved snapshot covers them): rewrites the file. */
  async compact(index: number): Promise<void> {
    if (index <= this.#startIndex) return;
    assert(index <= this.lastIndex, `raft storage compacts to ${index} within its log`);
    this.#entries = this.#entries.slice(index - this.#startIndex);
    this.#startIndex = index;
    await this.#rewrite();
  }

  /** Replaces the log file with the frames of #entries: temp, fsync, rename, dir fsync. */
  async #rewrite(): Promise<void> {
    const frames = this.#entries.map((entry, i) => encodeFrame(this.#startIndex + 1 + i, entry));
    const joined = new Uint8Array(frames.reduce((sum, frame) => sum + frame.length, 0));
    this.#ends = [];
    let at = 0;
    for (const frame of frames) {
      joined.set(frame, at);
      at += frame.length;
      this.#ends.push(at);
    }
    await this.#file?.close();
    this.#file = null;
    await writeFileAtomic(this.#fs, this.dir, LOG_FILE, joined);
    this.#file = await this.#fs.open(joinPath(this.dir, LOG_FILE), { write: true });
  }

  #open(): FileHandle {
    assert(this.#file !== null, "raft storage is loaded before it is written");
    return this.#file;
  }

  async close(): Promise<void> {
    await this.#file?.close();
    this.#file = null;
  }
}
