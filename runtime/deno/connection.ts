// One TCP connection over a Deno.Conn. A pump reads into a bounded queue and waits while it is
// full, so the kernel's receive window pushes back on the peer; writes go out one at a time,
// each resolving once Deno has handed all its bytes to the kernel.
import type { Connection, RuntimeIoError } from "../types.ts";
import { connectionWriteError } from "../host/write-error.ts";
import { ReceiveQueue } from "../host/receive-queue.ts";
import { toIoError } from "./errors.ts";
import { Serial } from "./serial.ts";

/** Unread received bytes at which the pump stops reading. */
export const receiveQueueBytesMax = 1024 * 1024;
/** Bytes asked of the socket per read. */
const readChunkBytes = 64 * 1024;
/** Reads up to this size are copied out and the read buffer reused (a fresh 64 KiB buffer per
 * small read, as for every HTTP request head, made garbage collection a top cost). */
const copyReadBytesMax = 8 * 1024;
/** How long close() waits for queued writes to flush and the peer to close before closing hard. */
export const closeLingerMsMax = 5_000;

export class DenoConnection implements Connection {
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly closed: Promise<void>;
  readonly #conn: Deno.TcpConn;
  readonly #queue: ReceiveQueue;
  readonly #writes = new Serial();
  #resumePump: (() => void) | null = null;
  #paused = false;
  #closing: Promise<void> | null = null;
  #resourceClosed = false;
  #failure: RuntimeIoError | null = null;
  #markClosed: () => void = () => {};

  constructor(conn: Deno.TcpConn) {
    this.#conn = conn;
    this.remoteAddress = conn.remoteAddr.hostname;
    this.remotePort = conn.remoteAddr.port;
    conn.setNoDelay(true);
    this.closed = new Promise((resolve) => (this.#markClosed = resolve));
    this.#queue = new ReceiveQueue({
      bytesMax: receiveQueueBytesMax,
      pause: () => void (this.#paused = true),
      resume: () => this.#resume(),
    });
    void this.#pump();
  }

  read(): Promise<Uint8Array | null> {
    return this.#queue.read();
  }

  write(data: Uint8Array): Promise<void> {
    if (this.#closing !== null) return Promise.reject(this.#writeError());
    return this.#writes.run(async () => {
      if (this.#resourceClosed) throw this.#writeError();
      try {
        for (let done = 0; done < data.length;) done += await this.#conn.write(data.subarray(done));
      } catch (err) {
        this.#failure ??= toIoError(err, `write to ${this.remoteAddress}:${this.remotePort}`);
        throw this.#writeError();
      }
    });
  }

  close(): Promise<void> {
    this.#closing ??= this.#closeGracefully();
    return this.#closing;
  }

  async #closeGracefully(): Promise<void> {
    // Keep reading (and dropping) until the peer's FIN: closing with unread input would make
    // the kernel send a reset, which can destroy data the peer has not received yet.
    this.#queue.discard();
    const linger = setTimeout(() => this.#closeResource(), closeLingerMsMax);
    await this.#writes.run(async () => {
      if (this.#resourceClosed) return;
      try {
        await this.#conn.closeWrite();
      } catch (err) {
        // The peer may already be gone; the pump then ends and closes the resource.
        this.#failure ??= toIoError(err, `close ${this.remoteAddress}:${this.remotePort}`);
      }
    });
    await this.closed;
    clearTimeout(linger);
  }

  async #pump(): Promise<void> {
    let buf = new Uint8Array(readChunkBytes);
    for (;;) {
      if (this.#paused) await new Promise<void>((resolve) => (this.#resumePump = resolve));
      if (this.#resourceClosed) break;
      let n: number | null;
      try {
        n = await this.#conn.read(buf);
      } catch (err) {
        if (!this.#resourceClosed) {
          this.#failure ??= toIoError(err, `read from ${this.remoteAddress}`);
        }
        break;
      }
      if (n === null) break;
      if (n <= copyReadBytesMax) this.#queue.push(buf.slice(0, n));
      else {
        this.#queue.push(buf.subarray(0, n));
        buf = new Uint8Array(readChunkBytes);
      }
    }
    this.#queue.end();
    // Like Node without allowHalfOpen: once the peer is done, flush what is queued and close.
    if (this.#closing === null) {
      this.#closing = this.#writes.run(async () => {}).then(() => this.#closeResource());
    } else this.#closeResource();
  }

  #resume(): void {
    this.#paused = false;
    const resume = this.#resumePump;
    this.#resumePump = null;
    resume?.();
  }

  #closeResource(): void {
    if (this.#resourceClosed) return;
    this.#resourceClosed = true;
    this.#resume();
    this.#conn.close();
    this.#markClosed();
  }

  #writeError(): RuntimeIoError {
    return connectionWriteError(this, this.#failure);
  }
}
