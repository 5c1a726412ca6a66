// deno-lint-ignore-file require-await -- async without await is deliberate: every call settles
// as a promise, and a thrown RuntimeIoError becomes a rejection, as with the real adapters.

// An in-memory FileSystem that models a disk behind a page cache: the storage of `--memory`
// brokers, and the disk runtime/sim builds its power cuts and faults on (runtime/sim/fs.ts).
//
// File data is durable after FileHandle.sync(); directory entries (create, rename, remove) are
// durable after syncDir() of the directory holding them. This class only keeps that unsynced
// state (bounded by dirtyBytesMax and dirtyOpsMax) and offers the seams a crash model needs:
// restartWith() and the protected checks. Errors carry the codes a real POSIX file system would
// give.

import { posix } from "node:path";
import {
  type DirEntry,
  type FileHandle,
  type FileSystem,
  type OpenOptions,
  type Random,
  RuntimeIoError,
} from "../types.ts";
import { DirNode, type FileNode, type FsNode, newFileNode } from "./fs-nodes.ts";
import { type HandleHost, MemoryFileHandle } from "./memory-file-handle.ts";

export interface MemoryFileSystemOptions {
  /** Picks temp dir names: the Runtime's random (runtime/sim passes a seeded one). */
  random: Random;
  /** Per file: unsynced bytes kept revocable before the oldest are written back (default 64 MiB). */
  dirtyBytesMax?: number;
  /**
   * Per file or directory: unsynced operations kept revocable (default 4096). 0 keeps nothing
   * (everything is durable at once): embedded memory storage with no crash model on top.
   */
  dirtyOpsMax?: number;
}

const DIRTY_BYTES_MAX_DEFAULT = 64 * 1024 * 1024;
const DIRTY_OPS_MAX_DEFAULT = 4096;
const TEMP_ROOT = "/tmp";
/** NAME_MAX of Linux and macOS: the longest file or directory name, in bytes. */
const NAME_BYTES_MAX = 255;
const utf8 = new TextEncoder();

export class MemoryFileSystem implements FileSystem {
  readonly #random: Random;
  readonly #bounds: { dirtyBytesMax: number; dirtyOpsMax: number };
  readonly #root: DirNode;
  #dirs = new Set<DirNode>();
  #seq = 0;
  #tempCount = 0;
  readonly #host: HandleHost;
  #generation = 0;

  constructor(options: MemoryFileSystemOptions) {
    this.#random = options.random;
    this.#bounds = {
      dirtyBytesMax: options.dirtyBytesMax ?? DIRTY_BYTES_MAX_DEFAULT,
      dirtyOpsMax: options.dirtyOpsMax ?? DIRTY_OPS_MAX_DEFAULT,
    };
    this.#root = this.#newDir();
    this.#root.linkDurable(TEMP_ROOT.slice(1), this.#newDir());
    this.#host = {
      generation: () => this.#generation,
      checkGrowth: (node, newLength) => this.checkGrowth(node, newLength),
      bytesThatFit: (node, position, length) => this.bytesThatFit(node, position, length),
      checkSync: (path) => this.checkSync(path),
    };
  }

  async open(path: string, options: OpenOptions = {}): Promise<FileHandle> {
    const { dir, name, path: normal } = this.#parent(path, "open");
    let node = dir.entries.get(name);
    const create = options.create === true || options.exclusive === true;
    if (node !== undefined && options.exclusive === true) throw ioError("EEXIST", "open", normal);
    if (node === undefined) {
      if (!create) throw ioError("ENOENT", "open", normal);
      node = newFileNode(this.#bounds);
      dir.link(++this.#seq, name, node);
    }
    if (node.kind === "dir") throw ioError("EISDIR", "open", normal);
    const writable = options.write === true;
    if (options.truncate === true && node.content.length > 0) {
      if (!writable) throw new RuntimeIoError("EINVAL", `open ${normal}: truncate needs write`);
      node.content.truncate(0);
    }
    return new MemoryFileHandle(normal, node, writable, this.#host);
  }

  async readFile(path: string): Promise<Uint8Array> {
    return this.#file(path, "readFile").content.copy();
  }

  async mkdirp(path: string): Promise<void> {
    const parts = split(path, "mkdirp");
    let dir = this.#root;
    for (let i = 0; i < parts.length; i++) {
      const existing = dir.entries.get(parts[i]);
      if (existing?.kind === "file") {
        throw ioError(i === parts.length - 1 ? "EEXIST" : "ENOTDIR", "mkdirp", path);
      }
      if (existing !== undefined) {
        dir = existing;
        continue;
      }
      const created = this.#newDir();
      dir.link(++this.#seq, parts[i], created);
      dir = created;
    }
  }

  async list(path: string): Promise<DirEntry[]> {
    const dir = this.#dir(path, "list");
    return [...dir.entries.keys()].sort().map((name) => {
      const isDirectory = (dir.entries.get(name) as FsNode).kind === "dir";
      return { name, isFile: !isDirectory, isDirectory };
    });
  }

  async rename(from: string, to: string): Promise<void> {
    const source = this.#parent(from, "rename");
    const target = this.#parent(to, "rename");
    const node = source.dir.entries.get(source.name);
    if (node === undefined) throw ioError("ENOENT", "rename", source.path);
    if (source.path === target.path) return;
    const replaced = target.dir.entries.get(target.name);
    if (node.kind === "dir" && (target.path + "/").startsWith(source.path + "/")) {
      throw new RuntimeIoError("EINVAL", `rename ${source.path} into itself (${target.path})`);
    }
    if (replaced?.kind === "dir" && node.kind === "file") {
      throw ioError("EISDIR", "rename", target.path);
    }
    if (replaced?.kind === "file" && node.kind === "dir") {
      throw ioError("ENOTDIR", "rename", target.path);
    }
    if (replaced?.kind === "dir" && replaced.entries.size > 0) {
      throw ioError("ENOTEMPTY", "rename", target.path);
    }
    const seq = ++this.#seq;
    source.dir.link(seq, source.name, null);
    target.dir.link(seq, target.name, node);
  }

  async remove(path: string, options: { recursive?: boolean } = {}): Promise<void> {
    const parts = split(path, "remove");
    if (parts.length === 0) throw new RuntimeIoError("EINVAL", "remove of the root directory");
    const dir = this.#lookup(parts.slice(0, -1), "remove", path, true);
    const name = parts[parts.length - 1];
    const node = dir?.kind === "dir" ? dir.entries.get(name) : undefined;
    if (dir?.kind !== "dir" || node === undefined) return;
    if (node.kind === "dir" && node.entries.size > 0) {
      if (options.recursive !== true) throw ioError("ENOTEMPTY", "remove", path);
      this.#unlinkChildren(node);
    }
    dir.link(++this.#seq, name, null);
  }

  async exists(path: string): Promise<boolean> {
    return this.#lookup(split(path, "exists"), "exists", path, true) !== undefined;
  }

  async syncDir(path: string): Promise<void> {
    const dir = this.#dir(path, "syncDir");
    this.checkSync(path);
    dir.sync();
  }

  /**
   * Creates a unique directory under /tmp whose entry is durable at once, so a crash never takes
   * the scratch directory itself away (what is inside it follows the usual rules).
   */
  async makeTempDir(prefix: string): Promise<string> {
    if (prefix.includes("/")) {
      throw new RuntimeIoError("EINVAL", `temp dir prefix ${prefix} has a slash`);
    }
    const tmp = this.#dir(TEMP_ROOT, "makeTempDir");
    for (let attempt = 0; attempt < 1000; attempt++) {
      const name = `${prefix}${(++this.#tempCount).toString(36)}${this.#random.u32().toString(36)}`;
      // A name with a pending change could be revived or removed by a crash: skip it.
      if (tmp.entries.has(name) || tmp.durable.has(name)) continue;
      tmp.linkDurable(name, this.#newDir());
      return `${TEMP_ROOT}/${name}`;
    }
    throw new RuntimeIoError("EEXIST", `no free temp dir name for prefix ${prefix}`);
  }

  /**
   * The seam of a crash model: open handles die (their process is gone) and rebuild(root, dirs)
   * replaces the tree's state, returning the directories still reachable from root.
   */
  protected restartWith(rebuild: (root: DirNode, dirs: Set<DirNode>) => Set<DirNode>): void {
    this.#generation++;
    this.#dirs = rebuild(this.#root, this.#dirs);
  }

  /** Test helper: the current bytes of a file, as a copy. */
  snapshot(path: string): Uint8Array {
    return this.#file(path, "snapshot").content.copy();
  }

  /** Test helper: the bytes a crash that keeps no unsynced write would leave in the file. */
  durableSnapshot(path: string): Uint8Array {
    return this.#file(path, "durableSnapshot").content.durableCopy();
  }

  /** Test helper: total bytes of all files reachable now. */
  usedBytes(): number {
    let total = 0;
    const seen = new Set<FsNode>();
    const stack: FsNode[] = [this.#root];
    while (stack.length > 0) {
      const node = stack.pop() as FsNode;
      if (seen.has(node)) continue;
      seen.add(node);
      if (node.kind === "file") total += node.content.length;
      else stack.push(...node.entries.values());
    }
    return total;
  }

  #newDir(): DirNode {
    const dir = new DirNode(this.#bounds.dirtyOpsMax);
    this.#dirs.add(dir);
    return dir;
  }

  #unlinkChildren(dir: DirNode): void {
    for (const [name, child] of [...dir.entries]) {
      if (child.kind === "dir") this.#unlinkChildren(child);
      dir.link(++this.#seq, name, null);
    }
  }

  /** Throws (ENOSPC) when growing node to newLength must fail; memory never runs out here. */
  protected checkGrowth(_node: FileNode, _newLength: number): void {}

  /** How many of length bytes written at position fit (all of them here). */
  protected bytesThatFit(_node: FileNode, _position: number, length: number): number {
    return length;
  }

  /** Throws (EIO) when a file sync or syncDir of path must fail; here none does. */
  protected checkSync(_path: string): void {}

  #file(path: string, op: string): FileNode {
    const node = this.#lookup(split(path, op), op, path, false);
    if (node === undefined) throw ioError("ENOENT", op, path);
    if (node.kind === "dir") throw ioError("EISDIR", op, path);
    return node;
  }

  #dir(path: string, op: string): DirNode {
    const node = this.#lookup(split(path, op), op, path, false);
    if (node === undefined) throw ioError("ENOENT", op, path);
    if (node.kind === "file") throw ioError("ENOTDIR", op, path);
    return node;
  }

  /** The parent directory and last name of a path; the parent must exist. */
  #parent(path: string, op: string): { dir: DirNode; name: string; path: string } {
    const parts = split(path, op);
    if (parts.length === 0) throw new RuntimeIoError("EINVAL", `${op} on the root directory`);
    const parent = this.#lookup(parts.slice(0, -1), op, path, false);
    if (parent === undefined) throw ioError("ENOENT", op, path);
    if (parent.kind === "file") throw ioError("ENOTDIR", op, path);
    return { dir: parent, name: parts[parts.length - 1], path: "/" + parts.join("/") };
  }

  /** Walks the path; a file in the middle is ENOTDIR unless quiet (exists() and remove()). */
  #lookup(parts: string[], op: string, path: string, quiet: boolean): FsNode | undefined {
    let node: FsNode = this.#root;
    for (const part of parts) {
      if (node.kind === "file") {
        if (quiet) return undefined;
        throw ioError("ENOTDIR", op, path);
      }
      const next = node.entries.get(part);
      if (next === undefined) return undefined;
      node = next;
    }
    return node;
  }
}

function split(path: string, op: string): string[] {
  if (typeof path !== "string" || !path.startsWith("/")) {
    throw new RuntimeIoError("EINVAL", `${op}: path must be absolute, got ${String(path)}`);
  }
  const parts = posix.normalize(path).split("/").filter((part) => part.length > 0);
  for (const part of parts) {
    // Every lookup on a real host checks each component, so do the same for every operation.
    if (utf8.encode(part).length > NAME_BYTES_MAX) {
      throw new RuntimeIoError("ENAMETOOLONG", `${op} ${path}: name too long`);
    }
  }
  return parts;
}

function ioError(
  code: "ENOENT" | "EEXIST" | "ENOTDIR" | "EISDIR" | "ENOTEMPTY",
  op: string,
  path: string,
): RuntimeIoError {
  const text = {
    ENOENT: "no such file or directory",
    EEXIST: "already exists",
    ENOTDIR: "not a directory",
    EISDIR: "is a directory",
    ENOTEMPTY: "directory not empty",
  }[code];
  return new RuntimeIoError(code, `${op} ${path}: ${text}`);
}
