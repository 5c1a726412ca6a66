// A request's body as its handler sees it (a stream pulled from the connection, or bytes read
// whole up front), and what is left of it once the response is out: drained so the connection
// can carry the next request, or the connection closed. Expect: 100-continue is answered on the
// handler's first read, so a handler that refuses without reading never makes the client send.
import type { Connection } from "../../types.ts";
import { BodyError, type BodySource } from "./body.ts";

const continueLine = new TextEncoder().encode("HTTP/1.1 100 Continue\r\n\r\n");

/** The request body as the handler sees it, and what is left of it once the response is out. */
export class RequestBody {
  readonly #source: BodySource | null;
  readonly #conn: Connection;
  readonly #onComplete: () => void;
  #expectContinue: boolean;
  #continued = false;
  #failed = false;
  #detached = false;
  #pulling: Promise<void> | null = null;

  constructor(
    source: BodySource | null,
    conn: Connection,
    expectContinue: boolean,
    onComplete: () => void,
  ) {
    this.#source = source;
    this.#conn = conn;
    this.#expectContinue = expectContinue && source !== null;
    this.#onComplete = onComplete;
  }

  stream(): ReadableStream<Uint8Array> {
    return new ReadableStream<Uint8Array>({
      pull: (controller) => (this.#pulling = this.#pull(controller)),
    }, { highWaterMark: 0 });
  }

  async #pull(controller: ReadableStreamDefaultController<Uint8Array>): Promise<void> {
    const source = this.#source;
    if (source === null || this.#detached) {
      controller.error(new BodyError("the request is over"));
      return;
    }
    try {
      if (this.#expectContinue && !this.#continued) {
        this.#continued = true;
        await this.#conn.write(continueLine);
      }
      const piece = await source.read();
      if (piece === null) {
        controller.close();
        this.#onComplete();
      } else controller.enqueue(piece);
    } catch (err) {
      this.#failed = true;
      controller.error(err);
    }
  }

  /** The whole body as one array; false when it is malformed or cut off. */
  async readWhole(): Promise<Uint8Array | false> {
    const source = this.#source;
    if (source === null) return new Uint8Array(0);
    const pieces: Uint8Array[] = [];
    let bytes = 0;
    try {
      for (;;) {
        const piece = await source.read();
        if (piece === null) break;
        pieces.push(piece);
        bytes += piece.length;
      }
    } catch {
      this.#failed = true;
      return false;
    }
    if (pieces.length === 1) return pieces[0];
    const out = new Uint8Array(bytes);
    let offset = 0;
    for (const piece of pieces) {
      out.set(piece, offset);
      offset += piece.length;
    }
    return out;
  }

  /** The connection cannot be reused after the response: the body is broken or will not come. */
  mustClose(): boolean {
    if (this.#source === null || this.#source.done) return false;
    return this.#failed || (this.#expectContinue && !this.#continued);
  }

  /** Reads and drops what the handler left unread; false when over bytesMax or broken. */
  async drain(bytesMax: number): Promise<boolean> {
    this.#detached = true;
    const source = this.#source;
    if (source === null) return true;
    if (this.#failed) return false;
    try {
      await this.#pulling;
      let bytes = 0;
      for (;;) {
        const piece = await source.read();
        if (piece === null) return !this.#failed;
        bytes += piece.length;
        if (bytes > bytesMax) return false;
      }
    } catch {
      return false;
    }
  }
}
