// A sparse index of one segment: sorted (key, value) entries, held in memory for binary search and
// written to its file in the background. Two formats share the code:
//
//   .index      entry = relative offset uint32 BE | position uint32 BE           (8 bytes)
//   .timeindex  entry = timestamp int64 BE        | relative offset uint32 BE    (12 bytes)
//
// Relative offset = batch base offset - segment base offset. An offset index entry points at the
// start of the batch with that base offset. A time index entry (t, r) says: no batch before the
// one at relative offset r holds a timestamp above t, and the batch at r holds t (the running
// maximum, recorded only when it grows, so keys are strictly increasing).
//
// The file may lag the memory: entries are appended in memory and persisted by flushes, at roll
// and at close. Recovery rebuilds the indexes of every segment it rescans, so a lagging or torn
// index file of the active segment is harmless.

import { assert } from "../model/errors.ts";
import type { FileHandle } from "../../runtime/types.ts";

export interface IndexFormat {
  readonly name: string;
  readonly entryBytes: number;
  write(view: DataView, at: number, key: number, value: number): void;
  readKey(view: DataView, at: number): number;
  readValue(view: DataView, at: number): number;
}

export const OFFSET_INDEX_FORMAT: IndexFormat = {
  name: "offset index",
  entryBytes: 8,
  write(view, at, key, value) {
    view.setUint32(at, key);
    view.setUint32(at + 4, value);
  },
  readKey: (view, at) => view.getUint32(at),
  readValue: (view, at) => view.getUint32(at + 4),
};

export const TIME_INDEX_FORMAT: IndexFormat = {
  name: "time index",
  entryBytes: 12,
  write(view, at, key, value) {
    view.setBigInt64(at, BigInt(key));
    view.setUint32(at + 8, value);
  },
  readKey: (view, at) => Number(view.getBigInt64(at)),
  readValue: (view, at) => view.getUint32(at + 8),
};

const INITIAL_CAPACITY = 16;

export class SparseIndex {
  readonly format: IndexFormat;
  readonly file: FileHandle;
  #keys = new Float64Array(INITIAL_CAPACITY);
  #values = new Uint32Array(INITIAL_CAPACITY);
  #count = 0;
  /** Entries [0, persisted) are in the file as they are in memory. */
  #persisted = 0;
  /** The file's size now (may exceed the entries after a truncation until the next persist). */
  #fileBytes: number;
  #loaded: boolean;
  #loading: Promise<boolean> | null = null;
  #unsynced = false;

  /** fileBytes: the file's size; a non-empty file is read only by load(). */
  constructor(format: IndexFormat, file: FileHandle, fileBytes: number) {
    this.format = format;
    this.file = file;
    this.#fileBytes = fileBytes;
    this.#loaded = fileBytes === 0;
  }

  get count(): number {
    this.#checkLoaded();
    return this.#count;
  }

  get loaded(): boolean {
    return this.#loaded;
  }

  /** True while memory and file differ or the file has writes not yet synced. */
  get dirty(): boolean {
    if (!this.#loaded) return false;
    return this.#persisted < this.#count ||
      this.#fileBytes !== this.#count * this.format.entryBytes || this.#unsynced;
  }

  key(i: number): number {
    assert(i >= 0 && i < this.#count, `${this.format.name} entry ${i} of ${this.#count}`);
    return this.#keys[i];
  }

  value(i: number): number {
    assert(i >= 0 && i < this.#count, `${this.format.name} entry ${i} of ${this.#count}`);
    return this.#values[i];
  }

  append(key: number, value: number): void {
    this.#checkLoaded();
    const last = this.#count - 1;
    assert(
      last < 0 || key > this.#keys[last],
      `${this.format.name} keys increase: ${key} after ${this.#keys[last]}`,
    );
    assert(last < 0 || value >= this.#values[last], `${this.format.name} values never decrease`);
    assert(
      Number.isSafeInteger(key) && value >= 0 && value <= 0xffff_ffff,
      `${this.format.name} entry in range`,
    );
    if (this.#count === this.#keys.length) this.#grow();
    this.#keys[this.#count] = key;
    this.#values[this.#count] = value;
    this.#count++;
  }

  /** Index of the last entry with key <= key, or -1 when every key is larger. */
  floor(key: number): number {
    this.#checkLoaded();
    let low = 0;
    let high = this.#count - 1;
    let found = -1;
    while (low <= high) {
      const mid = (low + high) >>> 1;
      if (this.#keys[mid] <= key) {
        found = mid;
        low = mid + 1;
      } else {
        high = mid - 1;
      }
    }
    return found;
  }

  /** Drops entries [count, ...); the file follows at the next persist(). */
  truncateEntries(count: number): void {
    this.#checkLoaded();
    assert(
      count >= 0 && count <= this.#count,
      `${this.format.name} truncate to ${count} of ${this.#count}`,
    );
    this.#count = count;
    this.#persisted = Math.min(this.#persisted, count);
  }

  /** Forgets everything (the caller rebuilds the entries from the log). */
  reset(): void {
    this.#loaded = true;
    this.#count = 0;
    this.#persisted = 0;
  }

  /**
   * Reads the file into memory. Returns false, leaving the index empty and marked for rewrite,
   * when the file is not a valid index: wrong size, keys not increasing, values out of order or
   * not below valueLimit, more entries than entriesMax.
   */
  load(valueLimit: number, entriesMax: number): Promise<boolean> {
    if (this.#loaded) return Promise.resolve(true);
    this.#loading ??= this.#load(valueLimit, entriesMax).finally(() => {
      this.#loading = null;
    });
    return this.#loading;
  }

  async #load(valueLimit: number, entriesMax: number): Promise<boolean> {
    const bytes = await this.#readFile();
    const eb = this.format.entryBytes;
    const count = bytes.length / eb;
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    let valid = Number.isInteger(count) && count <= entriesMax;
    this.reset();
    for (let i = 0; valid && i < count; i++) {
      const key = this.format.readKey(view, i * eb);
      const value = this.format.readValue(view, i * eb);
      const ordered = i === 0 || (key > this.#keys[i - 1] && value >= this.#values[i - 1]);
      valid = ordered && value < valueLimit && Number.isSafeInteger(key);
      if (valid) this.append(key, value);
    }
    if (!valid) this.reset();
    else this.#persisted = count;
    return valid;
  }

  /** Bytes in the file now (as far as this index knows). */
  get fileBytes(): number {
    return this.#fileBytes;
  }

  /** The file's last entry without loading the rest; null when the file has no whole entry. */
  async readLastEntry(): Promise<{ key: number; value: number } | null> {
    const eb = this.format.entryBytes;
    if (this.#loaded) {
      return this.#count === 0
        ? null
        : { key: this.#keys[this.#count - 1], value: this.#values[this.#count - 1] };
    }
    if (this.#fileBytes < eb) return null;
    const bytes = new Uint8Array(eb);
    const read = await this.file.readAt(bytes, this.#fileBytes - eb);
    if (read !== eb) return null;
    const view = new DataView(bytes.buffer);
    return { key: this.format.readKey(view, 0), value: this.format.readValue(view, 0) };
  }

  /** Writes entries not yet in the file and cuts entries the memory no longer has. */
  async persist(): Promise<void> {
    if (!this.#loaded) return;
    const count = this.#count;
    const from = this.#persisted;
    const eb = this.format.entryBytes;
    if (from < count) {
      const bytes = new Uint8Array((count - from) * eb);
      const view = new DataView(bytes.buffer);
      for (let i = from; i < count; i++) {
        this.format.write(view, (i - from) * eb, this.#keys[i], this.#values[i]);
      }
      this.#unsynced = true;
      await this.file.writeAt(bytes, from * eb);
      this.#fileBytes = Math.max(this.#fileBytes, count * eb);
    }
    if (this.#fileBytes !== count * eb) {
      this.#unsynced = true;
      await this.file.truncate(count * eb);
      this.#fileBytes = count * eb;
    }
    this.#persisted = Math.max(this.#persisted, count);
  }

  async sync(): Promise<void> {
    if (!this.#unsynced) return;
    this.#unsynced = false;
    try {
      await this.file.sync();
    } catch (err) {
      this.#unsynced = true;
      throw err;
    }
  }

  async #readFile(): Promise<Uint8Array> {
    const bytes = new Uint8Array(this.#fileBytes);
    const read = await this.file.readAt(bytes, 0);
    return read === bytes.length ? bytes : bytes.subarray(0, read);
  }

  #grow(): void {
    const keys = new Float64Array(this.#keys.length * 2);
    keys.set(this.#keys);
    const values = new Uint32Array(this.#values.length * 2);
    values.set(this.#values);
    this.#keys = keys;
    this.#values = values;
  }

  #checkLoaded(): void {
    assert(this.#loaded, `${this.format.name} of ${this.file.path} used before load()`);
  }
}
