// Files through node:fs/promises. Bun runs this same module (its node:fs is the only positional
// file API it has), so it may use nothing beyond what both hosts implement.
import { constants } from "node:fs";
import * as fsp from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  type DirEntry,
  type FileHandle,
  type FileSystem,
  IoErrorCode,
  isIoError,
  type OpenOptions,
  RuntimeIoError,
} from "../types.ts";
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
    if (this.#closed) {
      throw new RuntimeIoError(IoErrorCode.Closed, `${op} ${this.path}: handle is closed`);
    }
  }

  #checkWritable(op: string): void {
    this.#checkOpen(op);
    if (!this.#writable) {
      throw new RuntimeIoError(
        IoErrorCode.PermissionDenied,
        `${op} ${this.path}: opened read-only`,
      );
    }
  }
}

function openFlags(options: OpenOptions): number {
  // Creating or truncating needs write access on some hosts; the handle still refuses writes
  // unless `write` was asked for, so every adapter behaves the same.
  const create = options.create === true || options.exclusive === true;
  const hostWrite = options.write === true || create || options.truncate === true;
  let flags = hostWrite ? constants.O_RDWR : constants.O_RDONLY;
  if (create) flags |= constants.O_CREAT;
  if (options.exclusive === true) flags |= constants.O_EXCL;
  if (options.truncate === true) flags |= constants.O_TRUNC;
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
    return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  } catch (err) {
    throw toIoError(err, `list ${path}`);
  }
}

async function remove(path: string, options?: { recursive?: boolean }): Promise<void> {
  try {
    const stat = await fsp.lstat(path);
    if (!stat.isDirectory()) await fsp.unlink(path);
    else if (options?.recursive === true) await fsp.rm(path, { recursive: true, force: true });
    else await fsp.rmdir(path);
  } catch (err) {
    const ioError = toIoError(err, `remove ${path}`);
    if (!isIoError(ioError, IoErrorCode.NotFound)) throw ioError;
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await fsp.stat(path);
    return true;
  } catch (err) {
    const ioError = toIoError(err, `exists ${path}`);
    if (isIoError(ioError, IoErrorCode.NotFound) || isIoError(ioError, IoErrorCode.NotADirectory)) {
      return false;
    }
    throw ioError;
  }
}

async function syncDir(path: string): Promise<void> {
  let handle: fsp.FileHandle;
  try {
    handle = await fsp.open(path, constants.O_RDONLY);
  } catch (err) {
    throw toIoError(err, `syncDir ${path}`);
  }
  try {
    await handle.sync();
  } catch (err) {
    throw toIoError(err, `syncDir ${path}`);
  } finally {
    await handle.close();
  }
}

async function wrap<T>(what: string, op: () => Promise<T>): Promise<T> {
  try {
    return await op();
  } catch (err) {
    throw toIoError(err, what);
  }
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
    exists,
    syncDir,
    makeTempDir: (prefix) =>
      wrap(`makeTempDir ${prefix}`, () => fsp.mkdtemp(join(tmpdir(), prefix))),
  };
}
