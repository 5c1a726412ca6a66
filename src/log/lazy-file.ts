// A FileHandle whose host handle the open-file budget (file-cache.ts) may close while it is
// idle; the next operation reopens it by path. Callers see an ordinary FileHandle.
//
// - Pinning: every operation holds the host handle for its duration, so an eviction never
//   closes it under a read or write in flight.
// - Durability: writes completed since the last fsync make the file dirty; evicting a dirty
//   handle fsyncs it first (an fsync through a later descriptor might not report a writeback
//   error of the earlier one). sync() on a file closed by the budget after all its writes were
//   fsynced has nothing left to make durable and does not reopen it; on an open file it always
//   asks the host, as a plain handle would (e.g. for a truncation at open, which is not counted
//   as a write and so not fsynced by an eviction). A failure of that fsync
//   (or of the close) is kept and thrown by every later operation: after a failed fsync the
//   page cache and the disk may disagree, and the owner (the partition log) must learn it.
// - Renames: the path follows the file through fs.rename() (cached-fs.ts), as a POSIX
//   descriptor follows its inode. A file removed or replaced while it was closed cannot be
//   reopened (NotFound) rather than silently reopening whatever now has its name.

import { assert } from "../model/errors.ts";
import {
  type FileHandle,
  type FileSystem,
  IoErrorCode,
  type OpenOptions,
  RuntimeIoError,
} from "../../runtime/types.ts";
import type { Evictable, OpenFileBudget } from "./file-cache.ts";

export interface LazyFileHost {
  /** The host file system the handles come from. */
  readonly fs: FileSystem;
  readonly budget: OpenFileBudget;
  /** Told once the file is closed by its owner (the registry forgets it). */
  closed(file: LazyFile): void;
}

/** Rounds of waiting for a concurrent open or eviction of the same file; a backstop. */
const ACQUIRE_ROUNDS_MAX = 1000;

export class LazyFile implements FileHandle, Evictable {
  readonly #host: LazyFileHost;
  readonly #write: boolean;
  #path: string;
  #handle: FileHandle | null;
  #opening: Promise<void> | null = null;
  #evicting: Promise<void> | null = null;
  #pins = 0;
  /** Writes completed, and how many of them an fsync covered. */
  #writes = 0;
  #writesSynced = 0;
  #failure: unknown = null;
  #closed = false;
  /** Removed or replaced while open: the path no longer names this file. */
  #unlinked = false;

  private constructor(host: LazyFileHost, path: string, handle: FileHandle, write: boolean) {
    this.#host = host;
    this.#path = path;
    this.#handle = handle;
    this.#write = write;
  }

  /** Opens path now (so open errors surface here) within the budget; idle right away. */
  static async open(host: LazyFileHost, path: string, options: OpenOptions): Promise<LazyFile> {
    await host.budget.reserve();
    let handle: FileHandle;
    try {
      handle = await openWithinHost(host, path, options);
    } catch (err) {
      host.budget.release();
      throw err;
    }
    const file = new LazyFile(host, path, handle, options.write === true);
    host.budget.idle(file, false);
    return file;
  }

  get path(): string {
    return this.#path;
  }

  /** Whether the host handle is open now (for tests and stats). */
  get isOpen(): boolean {
    return this.#handle !== null;
  }

  get #dirty(): boolean {
    return this.#writes !== this.#writesSynced;
  }

  readAt(buf: Uint8Array, position: number): Promise<number> {
    return this.#use((h) => h.readAt(buf, position));
  }

  writeAt(data: Uint8Array, position: number): Promise<void> {
    return this.#useWriting((h) => h.writeAt(data, position));
  }

  append(data: Uint8Array): Promise<number> {
    return this.#useWriting((h) => h.append(data));
  }

  truncate(size: number): Promise<void> {
    return this.#useWriting((h) => h.truncate(size));
  }

  size(): Promise<number> {
    return this.#use((h) => h.size());
  }

  async sync(): Promise<void> {
    this.#checkUsable("sync");
    // Closed by the budget after an fsync of every write: nothing is left to make durable.
    if (!this.#dirty && this.#handle === null) return;
    const writes = this.#writes;
    await this.#use(async (h) => {
      await h.sync();
      this.#writesSynced = Math.max(this.#writesSynced, writes);
    });
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#host.budget.busy(this);
    // An open in flight sees #closed and closes what it opened; an eviction closes its own.
    await this.#opening?.catch(() => undefined);
    await this.#evicting;
    this.#host.closed(this);
    const handle = this.#handle;
    this.#handle = null;
    if (handle === null) return;
    try {
      await handle.close();
    } finally {
      this.#host.budget.release();
    }
  }

  /** For the budget: closes the idle host handle, fsyncing unsynced writes first. */
  evict(): Promise<void> {
    assert(this.#pins === 0 && this.#handle !== null, `evicting an idle open ${this.#path}`);
    const handle = this.#handle;
    const evicting = this.#closeEvicted(handle).finally(() => {
      this.#evicting = null;
    });
    this.#evicting = evicting;
    return evicting;
  }

  async #closeEvicted(handle: FileHandle): Promise<void> {
    if (this.#dirty) {
      const writes = this.#writes;
      try {
        await handle.sync();
        this.#writesSynced = Math.max(this.#writesSynced, writes);
      } catch (err) {
        this.#failure ??= err;
      }
    }
    try {
      await handle.close();
    } catch (err) {
      this.#failure ??= err;
    }
    this.#handle = null;
  }

  /** The registry renamed the file: it is reopened under its new name from now on. */
  renamed(path: string): void {
    this.#path = path;
  }

  /** The registry removed the file, or renamed another over it. */
  unlinked(): void {
    this.#unlinked = true;
  }

  async #useWriting<T>(op: (h: FileHandle) => Promise<T>): Promise<T> {
    try {
      return await this.#use(op);
    } finally {
      // Counted once the write settled; a failed write may have changed the file as well.
      this.#writes++;
    }
  }

  async #use<T>(op: (h: FileHandle) => Promise<T>): Promise<T> {
    this.#checkUsable("use");
    const handle = await this.#acquire();
    try {
      return await op(handle);
    } finally {
      this.#pins--;
      if (this.#pins === 0 && this.#handle !== null && !this.#closed) {
        this.#host.budget.idle(this, this.#dirty);
      }
    }
  }

  /** The open host handle, pinned; reopens it when the budget closed it. */
  async #acquire(): Promise<FileHandle> {
    for (let round = 0; round < ACQUIRE_ROUNDS_MAX; round++) {
      this.#checkUsable("use");
      const settling = this.#evicting ?? this.#opening;
      if (settling !== null) {
        await settling.catch(() => undefined);
        continue;
      }
      if (this.#handle !== null) {
        if (this.#pins++ === 0) this.#host.budget.busy(this);
        return this.#handle;
      }
      // Pinned before it exists, so the fresh handle cannot be evicted before we use it.
      this.#pins++;
      const opening = this.#reopen().finally(() => {
        this.#opening = null;
      });
      this.#opening = opening;
      try {
        await opening;
      } catch (err) {
        this.#pins--;
        throw err;
      }
      assert(this.#handle !== null, `${this.#path} reopened`);
      return this.#handle;
    }
    throw new RuntimeIoError(IoErrorCode.Io, `${this.#path}: could not reopen (busy)`);
  }

  async #reopen(): Promise<void> {
    if (this.#unlinked) {
      throw new RuntimeIoError(
        IoErrorCode.NotFound,
        `reopen ${this.#path}: the file was removed or replaced while its handle was closed`,
      );
    }
    await this.#host.budget.reserve();
    let handle: FileHandle;
    try {
      handle = await openWithinHost(this.#host, this.#path, { write: this.#write });
    } catch (err) {
      this.#host.budget.release();
      throw err;
    }
    if (this.#closed) {
      try {
        await handle.close();
      } finally {
        this.#host.budget.release();
      }
      this.#checkUsable("use");
    }
    this.#handle = handle;
  }

  #checkUsable(op: string): void {
    if (this.#closed) {
      throw new RuntimeIoError(IoErrorCode.Closed, `${op} ${this.#path}: handle is closed`);
    }
    if (this.#failure !== null) throw this.#failure;
  }
}

/** The host's open, retried after closing an idle handle when the host says EMFILE. */
function openWithinHost(
  host: LazyFileHost,
  path: string,
  options: OpenOptions,
): Promise<FileHandle> {
  return host.budget.retryOnHostEmfile(() => host.fs.open(path, options));
}
