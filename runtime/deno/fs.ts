// Files through Deno.open / Deno.FsFile. Deno has no positional reads or writes, so each handle
// serializes its seek+read and seek+write pairs.
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
import { Serial } from "./serial.ts";

class DenoFile implements FileHandle {
  readonly path: string;
  readonly #file: Deno.FsFile;
  readonly #writable: boolean;
  readonly #serial = new Serial();
  #closed = false;

  constructor(path: string, file: Deno.FsFile, writable: boolean) {
    this.path = path;
    this.#file = file;
    this.#writable = writable;
  }

  readAt(buf: Uint8Array, position: number): Promise<number> {
    return this.#op("readAt", false, async () => {
      await this.#file.seek(position, Deno.SeekMode.Start);
      let total = 0;
      while (total < buf.length) {
        const n = await this.#file.read(buf.subarray(total));
        if (n === null || n === 0) break;
        total += n;
      }
      return total;
    });
  }

  writeAt(data: Uint8Array, position: number): Promise<void> {
    return this.#op("writeAt", true, async () => {
      await this.#file.seek(position, Deno.SeekMode.Start);
      await this.#writeAll(data);
    });
  }

  append(data: Uint8Array): Promise<number> {
    // Serialized, so the end found by the seek is still the end when the write lands.
    return this.#op("append", true, async () => {
      const position = await this.#file.seek(0, Deno.SeekMode.End);
      await this.#writeAll(data);
      return position;
    });
  }

  truncate(size: number): Promise<void> {
    return this.#op("truncate", true, () => this.#file.truncate(size));
  }

  size(): Promise<number> {
    return this.#op("size", false, async () => (await this.#file.stat()).size);
  }

  sync(): Promise<void> {
    return this.#op("sync", false, () => this.#file.syncData());
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    // Let operations already queued finish before the resource goes away.
    await this.#serial.run(() => {
      try {
        this.#file.close();
      } catch (err) {
        throw toIoError(err, `close ${this.path}`);
      }
    });
  }

  async #writeAll(data: Uint8Array): Promise<void> {
    for (let done = 0; done < data.length;) {
      done += await this.#file.write(data.subarray(done));
    }
  }

  #op<T>(name: string, writes: boolean, op: () => Promise<T>): Promise<T> {
    if (this.#closed) return Promise.reject(closedHandleError(name, this.path));
    if (writes && !this.#writable) return Promise.reject(readOnlyHandleError(name, this.path));
    return this.#serial.run(async () => {
      try {
        return await op();
      } catch (err) {
        throw toIoError(err, `${name} ${this.path}`);
      }
    });
  }
}

async function open(path: string, options: OpenOptions = {}): Promise<FileHandle> {
  // Deno refuses create and truncate without write access (hence hostWrite).
  const { create, exclusive, truncate, hostWrite } = hostOpenModes(options);
  try {
    const file = await Deno.open(path, {
      read: true,
      write: hostWrite,
      create: create && !exclusive,
      createNew: exclusive,
      truncate,
      mode: 0o644,
    });
    return new DenoFile(path, file, options.write === true);
  } catch (err) {
    throw toIoError(err, `open ${path}`);
  }
}

async function list(path: string): Promise<DirEntry[]> {
  const out: DirEntry[] = [];
  try {
    for await (const e of Deno.readDir(path)) {
      out.push({ name: e.name, isFile: e.isFile, isDirectory: e.isDirectory });
    }
  } catch (err) {
    throw toIoError(err, `list ${path}`);
  }
  return sortByName(out);
}

function remove(path: string, options?: { recursive?: boolean }): Promise<void> {
  const recursive = options?.recursive === true;
  return removeMissingOk(toIoError, path, () => Deno.remove(path, { recursive }));
}

function wrap<T>(what: string, op: () => Promise<T>): Promise<T> {
  return wrapIo(toIoError, what, op);
}

export function createDenoFs(): FileSystem {
  return {
    open,
    readFile: (path) => wrap(`readFile ${path}`, () => Deno.readFile(path)),
    mkdirp: (path) => wrap(`mkdirp ${path}`, () => Deno.mkdir(path, { recursive: true })),
    list,
    rename: (from, to) => wrap(`rename ${from} -> ${to}`, () => Deno.rename(from, to)),
    remove,
    exists: (path) => existsByStat(toIoError, path, () => Deno.stat(path)),
    syncDir: (path) => syncDirWith(toIoError, path, () => Deno.open(path, { read: true })),
    makeTempDir: (prefix) => wrap(`makeTempDir ${prefix}`, () => Deno.makeTempDir({ prefix })),
  };
}
