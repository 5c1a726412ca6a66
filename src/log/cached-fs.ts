// The data directory's FileSystem with a bounded number of open descriptors: open() returns
// LazyFiles (lazy-file.ts) whose handles the budget (file-cache.ts) may close while idle, and
// the operations that hold a host descriptor for a moment (readFile, list, syncDir, recursive
// remove) take a budget slot for it. Everything the broker does in its data directory comes through here, so
// the budget bounds all of it: a broker with thousands of partitions stays under the process
// limit (`ulimit -n`), at start, under load and at shutdown.
//
// It also keeps the registry of open LazyFiles by path, so that rename() and remove() can tell
// them what happened to their file: a renamed file is reopened under its new name, a removed
// or replaced one is not reopened at all (lazy-file.ts).

import type { DirEntry, FileHandle, FileSystem, OpenOptions } from "../../runtime/types.ts";
import type { OpenFileBudget } from "./file-cache.ts";
import { LazyFile, type LazyFileHost } from "./lazy-file.ts";
import { parentPath } from "./segment-files.ts";

export class CachedFileSystem implements FileSystem {
  readonly budget: OpenFileBudget;
  readonly #inner: FileSystem;
  readonly #host: LazyFileHost;
  /** Open LazyFiles by path (usually one per path). */
  readonly #byPath = new Map<string, Set<LazyFile>>();
  /** How many of them each directory holds: directory renames and removals look here first. */
  readonly #perDir = new Map<string, number>();

  constructor(inner: FileSystem, budget: OpenFileBudget) {
    this.#inner = inner;
    this.budget = budget;
    this.#host = { fs: inner, budget, closed: (file) => this.#forget(file, file.path) };
  }

  /** LazyFiles not closed by their owners yet (open or evicted). */
  get filesTracked(): number {
    let count = 0;
    for (const files of this.#byPath.values()) count += files.size;
    return count;
  }

  async open(path: string, options: OpenOptions = {}): Promise<FileHandle> {
    const file = await LazyFile.open(this.#host, path, options);
    this.#remember(file, path);
    return file;
  }

  readFile(path: string): Promise<Uint8Array> {
    return this.budget.withSlot(() => this.#inner.readFile(path));
  }

  list(path: string): Promise<DirEntry[]> {
    return this.budget.withSlot(() => this.#inner.list(path));
  }

  syncDir(path: string): Promise<void> {
    return this.budget.withSlot(() => this.#inner.syncDir(path));
  }

  mkdirp(path: string): Promise<void> {
    return this.#inner.mkdirp(path);
  }

  exists(path: string): Promise<boolean> {
    return this.#inner.exists(path);
  }

  makeTempDir(prefix: string): Promise<string> {
    return this.#inner.makeTempDir(prefix);
  }

  async rename(from: string, to: string): Promise<void> {
    await this.#inner.rename(from, to);
    if (from === to) return;
    this.#unlinkPath(to);
    this.#move(from, to);
    if (this.#perDir.has(from)) {
      this.#unlinkUnder(to);
      for (const path of this.#pathsUnder(from)) this.#move(path, to + path.slice(from.length));
    }
  }

  async remove(path: string, options?: { recursive?: boolean }): Promise<void> {
    // A recursive removal opens each directory it walks.
    if (options?.recursive === true) {
      await this.budget.withSlot(() => this.#inner.remove(path, options));
    } else {
      await this.#inner.remove(path, options);
    }
    this.#unlinkPath(path);
    if (options?.recursive === true) this.#unlinkUnder(path);
  }

  #move(from: string, to: string): void {
    const files = this.#byPath.get(from);
    if (files === undefined) return;
    for (const file of [...files]) {
      this.#forget(file, from);
      file.renamed(to);
      this.#remember(file, to);
    }
  }

  /** The files at path no longer have a name: they stay usable while open, like POSIX fds. */
  #unlinkPath(path: string): void {
    const files = this.#byPath.get(path);
    if (files === undefined) return;
    for (const file of [...files]) {
      file.unlinked();
      this.#forget(file, path);
    }
  }

  #unlinkUnder(dir: string): void {
    if (!this.#perDir.has(dir)) return;
    for (const path of this.#pathsUnder(dir)) this.#unlinkPath(path);
  }

  /** Paths of tracked files directly inside dir (partition directories hold no subdirectories). */
  #pathsUnder(dir: string): string[] {
    return [...this.#byPath.keys()].filter((path) => parentPath(path) === dir);
  }

  #remember(file: LazyFile, path: string): void {
    let files = this.#byPath.get(path);
    if (files === undefined) this.#byPath.set(path, files = new Set());
    files.add(file);
    const dir = parentPath(path);
    this.#perDir.set(dir, (this.#perDir.get(dir) ?? 0) + 1);
  }

  #forget(file: LazyFile, path: string): void {
    const files = this.#byPath.get(path);
    if (files === undefined || !files.delete(file)) return;
    if (files.size === 0) this.#byPath.delete(path);
    const dir = parentPath(path);
    const left = (this.#perDir.get(dir) ?? 1) - 1;
    if (left === 0) this.#perDir.delete(dir);
    else this.#perDir.set(dir, left);
  }
}
