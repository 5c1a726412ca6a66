// One TCP connection over a Bun socket. Bun's socket.write() is unbuffered: it returns how many
// bytes the kernel took, so the rest waits here and goes out on 'drain'; write() resolves once
// all its bytes are out. Reading pauses while the receive queue is full.
import type { Socket, SocketHandler } from "bun";
import type { Connection, RuntimeIoError } from "../types.ts";
import { connectionWriteError } from "../host/write-error.ts";
import { ReceiveQueue } from "../host/receive-queue.ts";
import { toIoError } from "./errors.ts";

/** Unread received bytes at which the socket stops reading. */
export const receiveQueueBytesMax = 1024 * 1024;
/** How long close() waits for queued writes to flush and the peer to close before resetting. */
export const closeLingerMsMax = 5_000;

export type BunSocket = Socket<BunConnection | undefined>;

interface PendingWrite {
  data: Uint8Array;
  offset: number;
  resolve: () => void;
  reject: (err: RuntimeIoError) => void;
}

export class BunConnection implements Connection {
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly closed: Promise<void>;
  readonly #socket: BunSocket;
  readonly #queue: ReceiveQueue;
  #pending: PendingWrite[] = [];
  #closing = false;
  #finSent = false;
  #socketClosed = false;
  #failure: RuntimeIoError | null = null;
  #linger: ReturnType<typeof setTimeout> | undefined;
  #markClosed: () => void = () => {};

  constructor(socket: BunSocket) {
    this.#socket = socket;
    this.remoteAddress = socket.remoteAddress;
    this.remotePort = socket.remotePort;
    socket.setNoDelay(true);
    this.closed = new Promise((resolve) => (this.#markClosed = resolve));
    this.#queue = new ReceiveQueue({
      bytesMax: receiveQueueBytesMax,
      pause: () => socket.pause(),
      resume: () => socket.resume(),
    });
  }

  read(): Promise<Uint8Array | null> {
    return this.#queue.read();
  }

  write(data: Uint8Array): Promise<void> {
    if (this.#closing || this.#socketClosed) return Promise.reject(this.#writeError());
    return new Promise((resolve, reject) => {
      this.#pending.push({ data, offset: 0, resolve, reject });
      if (this.#pending.length === 1) this.#flush();
    });
  }

  close(): Promise<void> {
    if (this.#closing || this.#socketClosed) return this.closed;
    this.#closing = true;
    // Keep reading (and dropping) until the peer's FIN: closing with unread input would make
    // the kernel send a reset, which can destroy data the peer has not received yet.
    this.#queue.discard();
    this.#linger = setTimeout(() => this.#socket.terminate(), closeLingerMsMax);
    if (this.#pending.length === 0) this.#sendFin();
    return this.closed;
  }

  // Socket events, routed here by the handlers below.

  onData(chunk: Uint8Array): void {
    this.#queue.push(chunk);
  }

  onDrain(): void {
    this.#flush();
  }

  onEnd(): void {
    this.#queue.end();
  }

  onError(err: Error): void {
    this.#failure ??= toIoError(err, `connection to ${this.remoteAddress}:${this.remotePort}`);
  }

  onClose(err?: Error): void {
    if (err !== undefined) this.onError(err);
    this.#socketClosed = true;
    clearTimeout(this.#linger);
    this.#queue.end();
    const pending = this.#pending;
    this.#pending = [];
    for (const w of pending) w.reject(this.#writeError());
    this.#markClosed();
  }

  #flush(): void {
    while (this.#pending.length > 0) {
      const head = this.#pending[0];
      const n = this.#socket.write(head.data, head.offset, head.data.length - head.offset);
      if (n < 0) {
        // Closed or shutting down: onClose rejects what is still pending.
        return;
      }
      head.offset += n;
      if (head.offset < head.data.length) return;
      this.#pending.shift();
      head.resolve();
    }
    if (this.#closing) this.#sendFin();
  }

  #sendFin(): void {
    if (this.#finSent || this.#socketClosed) return;
    this.#finSent = true;
    this.#socket.end();
  }

  #writeError(): RuntimeIoError {
    return connectionWriteError(this, this.#failure);
  }
}

/** Socket handlers that wrap each new socket in a BunConnection and route its events to it. */
export function connectionHandlers(
  onOpen: (conn: BunConnection) => void,
): SocketHandler<BunConnection | undefined> {
  return {
    binaryType: "uint8array",
    open(socket) {
      const conn = new BunConnection(socket);
      socket.data = conn;
      onOpen(conn);
    },
    data: (socket, chunk: Uint8Array) => socket.data?.onData(chunk),
    drain: (socket) => socket.data?.onDrain(),
    end: (socket) => socket.data?.onEnd(),
    error: (socket, err) => socket.data?.onError(err),
    close: (socket, err) => socket.data?.onClose(err),
  };
}
