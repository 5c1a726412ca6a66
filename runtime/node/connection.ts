// One TCP connection over a node:net Socket, with backpressure both ways: reading pauses while
// the receive queue is full, and write() resolves once Node's send buffer is below its high-water
// mark again ('drain').
import type { Socket } from "node:net";
import type { Connection, RuntimeIoError } from "../types.ts";
import { connectionWriteError } from "../host/write-error.ts";
import { ReceiveQueue } from "../host/receive-queue.ts";
import { toIoError } from "./errors.ts";

/** Unread received bytes at which the socket stops reading. */
export const receiveQueueBytesMax = 1024 * 1024;
/**
 * Writes at least this big skip the defensive copy below and resolve when flushed instead: a
 * copy of every 1 MiB fetch response showed up in the broker's profile, and the wait for the
 * flush is what backpressure asks of write() anyway.
 */
export const zeroCopyWriteBytesMin = 64 * 1024;
/** How long close() waits for queued writes to flush and the peer to close before resetting. */
export const closeLingerMsMax = 5_000;

export class NodeConnection implements Connection {
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly closed: Promise<void>;
  readonly #socket: Socket;
  readonly #queue: ReceiveQueue;
  #failure: RuntimeIoError | null = null;
  #closing = false;
  #drainWaiters: Array<{ resolve: () => void; reject: (err: RuntimeIoError) => void }> = [];

  constructor(socket: Socket) {
    this.#socket = socket;
    this.remoteAddress = socket.remoteAddress ?? "";
    this.remotePort = socket.remotePort ?? 0;
    socket.setNoDelay(true);
    this.#queue = new ReceiveQueue({
      bytesMax: receiveQueueBytesMax,
      pause: () => socket.pause(),
      resume: () => socket.resume(),
    });
    this.closed = new Promise((resolve) => socket.once("close", () => resolve()));
    socket.on("data", (chunk: Uint8Array) => {
      // Node allocates a fresh buffer per socket read, so a view of it is ours to keep.
      this.#queue.push(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    });
    socket.on("end", () => this.#queue.end());
    socket.on("drain", () => this.#settleDrainWaiters(null));
    // After end(), Node reports a flushed buffer as 'finish' instead of 'drain'.
    socket.on("finish", () => this.#settleDrainWaiters(null));
    socket.on("error", (err) => {
      this.#failure ??= toIoError(err, `connection to ${this.remoteAddress}:${this.remotePort}`);
    });
    socket.once("close", () => {
      this.#queue.end();
      this.#settleDrainWaiters(this.#writeError());
    });
  }

  read(): Promise<Uint8Array | null> {
    return this.#queue.read();
  }

  write(data: Uint8Array): Promise<void> {
    if (this.#closing || this.#socket.destroyed || !this.#socket.writable) {
      return Promise.reject(this.#writeError());
    }
    if (data.byteLength >= zeroCopyWriteBytesMin) {
      // Large frames (fetch responses, produce requests) are not copied: the promise resolves
      // once Node has handed the bytes to the kernel and holds no reference to them any more.
      return new Promise((resolve, reject) => {
        this.#socket.write(data, (err) => (err ? reject(this.#writeError()) : resolve()));
      });
    }
    // Node keeps a reference to what it buffers; copy so the caller may reuse data at once.
    if (this.#socket.write(data.slice())) return Promise.resolve();
    return new Promise((resolve, reject) => this.#drainWaiters.push({ resolve, reject }));
  }

  close(): Promise<void> {
    if (this.#closing) return this.closed;
    this.#closing = true;
    // Keep reading (and dropping) until the peer's FIN: closing with unread input would make
    // the kernel send a reset, which can destroy data the peer has not received yet.
    this.#queue.discard();
    this.#socket.end();
    const linger = setTimeout(() => this.#socket.destroy(), closeLingerMsMax);
    void this.closed.then(() => clearTimeout(linger));
    return this.closed;
  }

  #writeError(): RuntimeIoError {
    return connectionWriteError(this, this.#failure);
  }

  #settleDrainWaiters(err: RuntimeIoError | null): void {
    const waiters = this.#drainWaiters;
    this.#drainWaiters = [];
    for (const w of waiters) {
      if (err === null) w.resolve();
      else w.reject(err);
    }
  }
}
