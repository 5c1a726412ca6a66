// Reads a Connection with put-back: bytes read past the end of one message (a pipelined next
// request, the rest of a chunk) are kept for whoever reads next. At most one host read is
// pending at a time, and it can be started early (prefetch) to notice a peer that went away
// while a response is still being produced.
import type { Connection } from "../../types.ts";

export class ConnReader {
  readonly #conn: Connection;
  #buffered: Uint8Array | null = null;
  #pending: Promise<void> | null = null;
  #ended = false;

  constructor(conn: Connection) {
    this.#conn = conn;
  }

  /** The peer closed its side (a read returned end of stream). */
  get ended(): boolean {
    return this.#ended;
  }

  get bufferedBytes(): number {
    return this.#buffered?.length ?? 0;
  }

  /** The next bytes: what was put back first, else a fresh read; null at end of stream. */
  async next(): Promise<Uint8Array | null> {
    if (this.#buffered === null && !this.#ended) await this.#fill();
    const buffered = this.#buffered;
    this.#buffered = null;
    return buffered;
  }

  /** Puts bytes back in front of whatever comes next. */
  unread(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    this.#buffered = this.#buffered === null ? bytes : join(bytes, this.#buffered);
  }

  /**
   * Reads ahead into the buffer while it holds fewer than bytesMax bytes and stopped() is false;
   * resolves true once the peer ended its side.
   */
  async prefetch(bytesMax: number, stopped: () => boolean): Promise<boolean> {
    while (!this.#ended && this.bufferedBytes < bytesMax && !stopped()) await this.#fill();
    return this.#ended;
  }

  /** One host read into the buffer, shared by everyone waiting for bytes. */
  #fill(): Promise<void> {
    this.#pending ??= this.#conn.read().then(
      (chunk) => {
        this.#pending = null;
        if (chunk === null) this.#ended = true;
        else if (chunk.length > 0) {
          this.#buffered = this.#buffered === null ? chunk : join(this.#buffered, chunk);
        }
      },
      () => {
        // A reset reads as the end of the stream; the connection's writes report the error.
        this.#pending = null;
        this.#ended = true;
      },
    );
    return this.#pending;
  }
}

function join(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}
