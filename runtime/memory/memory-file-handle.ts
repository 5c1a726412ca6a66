// deno-lint-ignore-file require-await -- async without await is deliberate: every call settles
// as a promise, and a thrown RuntimeIoError becomes a rejection, as with the real adapters.

// An open file of the in-memory file system. Like a POSIX descriptor it keeps working after its
// name is removed or renamed, and it dies with the process: after a crash every call fails ECLOSED.

import { type FileHandle, RuntimeIoError } from "../types.ts";
import type { FileNode } from "./fs-nodes.ts";

/** What a handle needs from its file system: crash generation, space and sync fault checks. */
export interface HandleHost {
  generation(): number;
  /** Throws ENOSPC when growing the file to newLength would pass the capacity. */
  checkGrowth(node: FileNode, newLength: number): void;
  /** Bytes of a write at position that fit when partial writes are modelled (else length). */
  bytesThatFit(node: FileNode, position: number, length: number): number;
  /** Throws EIO when the fault plan says this sync fails. */
  checkSync(path: string): void;
}

export class MemoryFileHandle implements FileHandle {
  readonly path: string;
  readonly #node: FileNode;
  readonly #writable: boolean;
  readonly #host: HandleHost;
  readonly #generation: number;
  #closed = false;

  constructor(path: string, node: FileNode, writable: boolean, host: HandleHost) {
    this.path = path;
    this.#node = node;
    this.#writable = writable;
    this.#host = host;
    this.#generation = host.generation();
  }

  async readAt(buf: Uint8Array, position: number): Promise<number> {
    this.#checkOpen("readAt");
    checkPosition(position, this.path);
    return this.#node.content.read(buf, position);
  }

  async writeAt(data: Uint8Array, position: number): Promise<void> {
    this.#checkWritable("writeAt");
    checkPosition(position, this.path);
    this.#write(data, position);
  }

  async append(data: Uint8Array): Promise<number> {
    this.#checkWritable("append");
    const position = this.#node.content.length;
    this.#write(data, position);
    return position;
  }

  async truncate(size: number): Promise<void> {
    this.#checkWritable("truncate");
    checkPosition(size, this.path);
    this.#host.checkGrowth(this.#node, size);
    this.#node.content.truncate(size);
  }

  async size(): Promise<number> {
    this.#checkOpen("size");
    return this.#node.content.length;
  }

  async sync(): Promise<void> {
    this.#checkOpen("sync");
    this.#host.checkSync(this.path);
    this.#node.content.sync();
  }

  async close(): Promise<void> {
    this.#closed = true;
  }

  #write(data: Uint8Array, position: number): void {
    if (data.length === 0) return;
    const fit = this.#host.bytesThatFit(this.#node, position, data.length);
    if (fit < data.length && fit > 0) this.#node.content.write(data.subarray(0, fit), position);
    this.#host.checkGrowth(this.#node, position + data.length);
    this.#node.content.write(data, position);
  }

  #checkOpen(what: string): void {
    if (this.#closed) throw new RuntimeIoError("ECLOSED", `${what} on closed file ${this.path}`);
    if (this.#generation !== this.#host.generation()) {
      throw new RuntimeIoError("ECLOSED", `${what} on ${this.path}: its process crashed`);
    }
  }

  #checkWritable(what: string): void {
    this.#checkOpen(what);
    if (!this.#writable) {
      throw new RuntimeIoError("EACCES", `${what} on ${this.path}: opened read-only`);
    }
  }
}

function checkPosition(position: number, path: string): void {
  if (!Number.isSafeInteger(position) || position < 0) {
    throw new RuntimeIoError("EINVAL", `bad position ${position} for ${path}`);
  }
}
