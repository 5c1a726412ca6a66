// A FileSystem wrapper that plays a process descriptor limit (`ulimit -n`): it counts the
// descriptors held (open handles, plus one for the duration of readFile, list and syncDir) and
// refuses one more with EMFILE, as the host would. It also fails a test loudly when a handle
// is closed while an operation on it is still in flight.

import {
  type DirEntry,
  type FileHandle,
  type FileSystem,
  IoErrorCode,
  type OpenOptions,
  RuntimeIoError,
} from "../../runtime/types.ts";

export class LimitedFileSystem implements FileSystem {
  readonly inner: FileSystem;
  limit: number;
  held = 0;
  peak = 0;
  opens = 0;
  refused = 0;
  /** Handles closed while an operation on them was in flight (must stay 0). */
  closedUnderOperation = 0;
  /** Optional delay before each read completes, to make operations overlap. */
  readDelay: (() => Promise<void>) | null = null;

  constructor(inner: FileSystem, limit: number) {
    this.inner = inner;
    this.limit = limit;
  }

  #take(what: string): void {
    if (this.held >= this.limit) {
      this.refused++;
      throw new RuntimeIoError(
        IoErrorCode.TooManyOpenFiles,
        `${what}: EMFILE: too many open files (limit ${this.limit})`,
      );
    }
    this.held++;
    this.peak = Math.max(this.peak, this.held);
  }

  async #holding<T>(what: string, fn: () => Promise<T>): Promise<T> {
    this.#take(what);
    try {
      return await fn();
    } finally {
      this.held--;
    }
  }

  async open(path: string, options?: OpenOptions): Promise<FileHandle> {
    this.#take(`open ${path}`);
    let handle: FileHandle;
    try {
      handle = await this.inner.open(path, options);
    } catch (err) {
      this.held--;
      throw err;
    }
    this.opens++;
    return new CountedHandle(this, handle);
  }

  readFile(path: string): Promise<Uint8Array> {
    return this.#holding(`readFile ${path}`, () => this.inner.readFile(path));
  }
  list(path: string): Promise<DirEntry[]> {
    return this.#holding(`list ${path}`, () => this.inner.list(path));
  }
  syncDir(path: string): Promise<void> {
    return this.#holding(`syncDir ${path}`, () => this.inner.syncDir(path));
  }
  mkdirp(path: string): Promise<void> {
    return this.inner.mkdirp(path);
  }
  rename(from: string, to: string): Promise<void> {
    return this.inner.rename(from, to);
  }
  remove(path: string, options?: { recursive?: boolean }): Promise<void> {
    return this.inner.remove(path, options);
  }
  exists(path: string): Promise<boolean> {
    return this.inner.exists(path);
  }
  makeTempDir(prefix: string): Promise<string> {
    return this.inner.makeTempDir(prefix);
  }
}

class CountedHandle implements FileHandle {
  readonly #fs: LimitedFileSystem;
  readonly #inner: FileHandle;
  #inFlight = 0;
  #closed = false;

  constructor(fs: LimitedFileSystem, inner: FileHandle) {
    this.#fs = fs;
    this.#inner = inner;
  }

  get path(): string {
    return this.#inner.path;
  }

  async #op<T>(fn: () => Promise<T>): Promise<T> {
    this.#inFlight++;
    try {
      return await fn();
    } finally {
      this.#inFlight--;
    }
  }

  readAt(buf: Uint8Array, position: number): Promise<number> {
    return this.#op(async () => {
      const read = await this.#inner.readAt(buf, position);
      if (this.#fs.readDelay !== null) await this.#fs.readDelay();
      return read;
    });
  }
  writeAt(data: Uint8Array, position: number): Promise<void> {
    return this.#op(() => this.#inner.writeAt(data, position));
  }
  append(data: Uint8Array): Promise<number> {
    return this.#op(() => this.#inner.append(data));
  }
  truncate(size: number): Promise<void> {
    return this.#op(() => this.#inner.truncate(size));
  }
  size(): Promise<number> {
    return this.#op(() => this.#inner.size());
  }
  sync(): Promise<void> {
    return this.#op(() => this.#inner.sync());
  }
  async close(): Promise<void> {
    if (this.#inFlight > 0) this.#fs.closedUnderOperation++;
    if (!this.#closed) {
      this.#closed = true;
      this.#fs.held--;
    }
    await this.#inner.close();
  }
}
