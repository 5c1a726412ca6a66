// Chunks a socket delivered that nobody has read yet. The queue is bounded in bytes: when it
// fills, the adapter stops reading from the socket (so TCP flow control pushes back on the
// peer) and it starts again once read() has drained the queue to half.
import { IoErrorCode, RuntimeIoError } from "../types.ts";

export interface ReceiveQueueOptions {
  /** Unread bytes at which reading from the socket pauses. */
  bytesMax: number;
  /** Stop reading from the socket. */
  pause(): void;
  /** Start reading from the socket again. */
  resume(): void;
}

export class ReceiveQueue {
  readonly #options: ReceiveQueueOptions;
  #chunks: Uint8Array[] = [];
  #head = 0;
  #bytes = 0;
  #paused = false;
  #ended = false;
  #waiter: ((chunk: Uint8Array | null) => void) | null = null;

  constructor(options: ReceiveQueueOptions) {
    this.#options = options;
  }

  get ended(): boolean {
    return this.#ended;
  }

  /** Hands a received chunk to the reader; the queue takes ownership of it. */
  push(chunk: Uint8Array): void {
    if (this.#ended || chunk.length === 0) return;
    const waiter = this.#waiter;
    if (waiter !== null) {
      this.#waiter = null;
      waiter(chunk);
      return;
    }
    this.#chunks.push(chunk);
    this.#bytes += chunk.length;
    if (!this.#paused && this.#bytes >= this.#options.bytesMax) {
      this.#paused = true;
      this.#options.pause();
    }
  }

  /** End of stream: reads drain what is queued, then return null. */
  end(): void {
    this.#ended = true;
    const waiter = this.#waiter;
    this.#waiter = null;
    // A waiting reader means the queue is empty.
    if (waiter !== null) waiter(null);
  }

  /** Drops everything unread and ends the stream (the owner closed the connection). */
  discard(): void {
    this.#chunks = [];
    this.#head = 0;
    this.#bytes = 0;
    this.end();
    if (this.#paused) {
      this.#paused = false;
      this.#options.resume();
    }
  }

  read(): Promise<Uint8Array | null> {
    if (this.#head < this.#chunks.length) return Promise.resolve(this.#shift());
    if (this.#ended) return Promise.resolve(null);
    if (this.#waiter !== null) {
      // A byte stream with two readers interleaves chunks arbitrarily: always a caller bug.
      return Promise.reject(
        new RuntimeIoError(IoErrorCode.Invalid, "read() while a read is pending"),
      );
    }
    return new Promise((resolve) => {
      this.#waiter = resolve;
    });
  }

  #shift(): Uint8Array {
    const chunk = this.#chunks[this.#head++];
    this.#bytes -= chunk.length;
    if (this.#head === this.#chunks.length) {
      this.#chunks = [];
      this.#head = 0;
    } else if (this.#head >= 1024 && this.#head * 2 >= this.#chunks.length) {
      this.#chunks = this.#chunks.slice(this.#head);
      this.#head = 0;
    }
    if (this.#paused && this.#bytes <= this.#options.bytesMax / 2) {
      this.#paused = false;
      this.#options.resume();
    }
    return chunk;
  }
}
