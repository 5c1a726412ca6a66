// Files through node:fs/promises. Bun runs this same module (its node:fs is the only positional
// file API it has), so it may use nothing beyond what both hosts implement.
import { constants } from "node:fs";
import * as fsp from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { DirEntry, FileHandle, FileSystem, OpenOptions } from "../types.ts";
import {
  closedHandleError,
  existsByStat,
  hostOpenModes,
  readOnlyHandleError,
  removeMissingOk,
  sortByName,
  syncDirWith,
  wrapIo,
} from "../host/fs-shared.ts";
import { toIoError } from "./errors.ts";

class NodeFile implements FileHandle {
  readonly path: string;
  readonly #handle: fsp.FileHandle;
  readonly #writable: boolean;
  // End of file as this handle has extended it. append() reserves its range here synchronously,
  // so concurrent appends on one handle get disjoint ranges in call order.
  #endOffset: number;
  #closed = false;

  constructor(path: string, handle: fsp.FileHandle, writable: boolean, endOffset: number) {
    this.path = path;
    this.#handle = handle;
    this.#writable = writable;
    this.#endOffset = endOffset;
  }

  async readAt(buf: Uint8Array, position: number): Promise<number> {
    this.#checkOpen("readAt");
    let total = 0;
    try {
      // pread may return less than asked before EOF (signals); only 0 means end of file.
      while (total < buf.length) {
        const { bytesRead } = await this.#handle.read(
          buf,
          total,
          buf.length - total,
          position + total,
        );
        if (bytesRead === 0) break;
        total += bytesRead;
      }
    } catch (err) {
      throw toIoError(err, `readAt ${this.path}`);
    }
    return total;
  }

  async writeAt(data: Uint8Array, position: number): Promise<void> {
    this.#checkWritable("writeAt");
    this.#endOffset = Math.max(this.#endOffset, position + data.length);
    await this.#writeAll(data, position);
  }

  async append(data: Uint8Array): Promise<number> {
    this.#checkWritable("append");
    const position = this.#endOffset;
    this.#endOffset += data.length;
    await this.#writeAll(data, position);
    return position;
  }

  async truncate(size: number): Promise<void> {
    this.#checkWritable("truncate");
    try {
      await this.#handle.truncate(size);
    } catch (err) {
      throw toIoError(err, `truncate ${this.path}`);
    }
    this.#endOffset = size;
  }

  async size(): Promise<number> {
    this.#checkOpen("size");
    try {
      return (await this.#handle.stat()).size;
    } catch (err) {
      throw toIoError(err, `size ${this.path}`);
    }
  }

  async sync(): Promise<void> {
    this.#checkOpen("sync");
    try {
      await this.#handle.datasync();
    } catch (err) {
      throw toIoError(err, `sync ${this.path}`);
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    try {
      await this.#handle.close();
    } catch (err) {
      throw toIoError(err, `close ${this.path}`);
    }
  }

  async #writeAll(data: Uint8Array, position: number): Promise<void> {
    let done = 0;
    try {
      while (done < data.length) {
        const { bytesWritten } = await this.#handle.write(
          data,
          done,
          data.length - done,
          position + done,
        );
        done += bytesWritten;
      }
    } catch (err) {
      throw toIoError(err, `write ${this.path}`);
    }
  }

  #checkOpen(op: string): void {
    if (this.#closed) throw closedHandleError(op, this.path);
  }

  #checkWritable(op: string): void {
    this.#checkOpen(op);
    if (!this.#writable) throw readOnlyHandleError(op, this.path);
  }
}

function openFlags(options: OpenOptions): number {
  const { create, exclusive, truncate, hostWrite } = hostOpenModes(options);
  let flags = hostWrite ? constants.O_RDWR : constants.O_RDONLY;
  if (create) flags |= constants.O_CREAT;
  if (exclusive) flags |= constants.O_EXCL;
  if (truncate) flags |= constants.O_TRUNC;
  return flags;
}

async function open(path: string, options: OpenOptions = {}): Promise<FileHandle> {
  let handle: fsp.FileHandle;
  try {
    handle = await fsp.open(path, openFlags(options), 0o644);
  } catch (err) {
    throw toIoError(err, `open ${path}`);
  }
  try {
    const { size } = await handle.stat();
    return new NodeFile(path, handle, options.write === true, size);
  } catch (err) {
    await handle.close();
    throw toIoError(err, `open ${path}`);
  }
}

async function readFile(path: string): Promise<Uint8Array> {
  try {
    const buf = await fsp.readFile(path);
    return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
  } catch (err) {
    throw toIoError(err, `readFile ${path}`);
  }
}

async function list(path: string): Promise<DirEntry[]> {
  try {
    const entries = await fsp.readdir(path, { withFileTypes: true });
    const out = entries.map((e) => ({
      name: e.name,
      isFile: e.isFile(),
      isDirectory: e.isDirectory(),
    }));
    return sortByName(out);
  } catch (err) {
    throw toIoError(err, `list ${path}`);
  }
}

function remove(path: string, options?: { recursive?: boolean }): Promise<void> {
  return removeMissingOk(toIoError, path, async () => {
    const stat = await fsp.lstat(path);
    if (!stat.isDirectory()) await fsp.unlink(path);
    else if (options?.recursive === true) await fsp.rm(path, { recursive: true, force: true });
    else await fsp.rmdir(path);
  });
}

function wrap<T>(what: string, op: () => Promise<T>): Promise<T> {
  return wrapIo(toIoError, what, op);
}

export function createNodeFs(): FileSystem {
  return {
    open,
    readFile,
    mkdirp: (path) =>
      wrap(`mkdirp ${path}`, async () => void (await fsp.mkdir(path, { recursive: true }))),
    list,
    rename: (from, to) => wrap(`rename ${from} -> ${to}`, () => fsp.rename(from, to)),
    remove,
    exists: (path) => existsByStat(toIoError, path, () => fsp.stat(path)),
    syncDir: (path) => syncDirWith(toIoError, path, () => fsp.open(path, constants.O_RDONLY)),
    makeTempDir: (prefix) =>
      wrap(`makeTempDir ${prefix}`, () => fsp.mkdtemp(join(tmpdir(), prefix))),
  };
}
