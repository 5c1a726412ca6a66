// Request bodies framed by Content-Length or chunked (RFC 9112 §6-§7), read from the connection
// on demand so a handler that reads slowly pushes back on the client through TCP.
//
//   chunked-body = *chunk last-chunk trailer-section CRLF
//   chunk        = chunk-size [ chunk-ext ] CRLF chunk-data CRLF
//   last-chunk   = 1*"0" [ chunk-ext ] CRLF
// Chunk extensions and trailer fields are read and dropped; their lines are bounded.
import type { ConnReader } from "./conn-reader.ts";

/** A malformed or cut-off body: the connection cannot be reused. */
export class BodyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "BodyError";
  }
}

/** Longest chunk-size line (with extensions) accepted. */
export const chunkLineBytesMax = 4096;
/** Largest trailer section accepted (skipped). */
export const trailerBytesMax = 16 * 1024;
const chunkSizePattern = /^([0-9a-fA-F]{1,13})(?:[ \t]*;.*)?$/;

export interface BodySource {
  /** The next piece of the body, or null once it is complete. Throws BodyError. */
  read(): Promise<Uint8Array | null>;
  readonly done: boolean;
}

export class LengthBody implements BodySource {
  readonly #reader: ConnReader;
  #left: number;

  constructor(reader: ConnReader, bytes: number) {
    this.#reader = reader;
    this.#left = bytes;
  }

  get done(): boolean {
    return this.#left === 0;
  }

  async read(): Promise<Uint8Array | null> {
    if (this.#left === 0) return null;
    const chunk = await this.#reader.next();
    if (chunk === null) throw new BodyError("connection closed inside the request body");
    if (chunk.length <= this.#left) {
      this.#left -= chunk.length;
      return chunk;
    }
    this.#reader.unread(chunk.subarray(this.#left));
    const piece = chunk.subarray(0, this.#left);
    this.#left = 0;
    return piece;
  }
}

export class ChunkedBody implements BodySource {
  readonly #reader: ConnReader;
  /** Data bytes left in the current chunk; -1 between chunks. */
  #left = -1;
  #done = false;

  constructor(reader: ConnReader) {
    this.#reader = reader;
  }

  get done(): boolean {
    return this.#done;
  }

  async read(): Promise<Uint8Array | null> {
    for (;;) {
      if (this.#done) return null;
      if (this.#left > 0) return await this.#data();
      if (this.#left === 0) {
        await this.#expectCrlf();
        this.#left = -1;
      }
      const size = await this.#sizeLine();
      if (size === 0) {
        await this.#skipTrailers();
        this.#done = true;
        return null;
      }
      this.#left = size;
    }
  }

  async #data(): Promise<Uint8Array> {
    const chunk = await this.#need();
    if (chunk.length <= this.#left) {
      this.#left -= chunk.length;
      return chunk;
    }
    this.#reader.unread(chunk.subarray(this.#left));
    const piece = chunk.subarray(0, this.#left);
    this.#left = 0;
    return piece;
  }

  async #expectCrlf(): Promise<void> {
    const line = await this.#line(2);
    if (line.length !== 0) throw new BodyError("chunk data longer than its size");
  }

  async #sizeLine(): Promise<number> {
    const line = await this.#line(chunkLineBytesMax);
    const match = chunkSizePattern.exec(line);
    if (match === null) throw new BodyError("malformed chunk size");
    return parseInt(match[1], 16);
  }

  /** Trailer fields up to the empty line, dropped. */
  async #skipTrailers(): Promise<void> {
    let bytes = 0;
    for (;;) {
      const line = await this.#line(trailerBytesMax);
      if (line.length === 0) return;
      bytes += line.length + 2;
      if (bytes > trailerBytesMax) throw new BodyError("trailer section too large");
    }
  }

  /** One CRLF-terminated line (without the CRLF), at most bytesMax long. */
  async #line(bytesMax: number): Promise<string> {
    let buf = await this.#need();
    for (;;) {
      const lf = buf.indexOf(10);
      if (lf >= 0) {
        if (lf === 0 || buf[lf - 1] !== 13) throw new BodyError("bare LF in chunked framing");
        if (lf - 1 > bytesMax) throw new BodyError("chunk line too long");
        this.#reader.unread(buf.subarray(lf + 1));
        return String.fromCharCode.apply(null, buf.subarray(0, lf - 1) as unknown as number[]);
      }
      if (buf.length > bytesMax + 1) throw new BodyError("chunk line too long");
      const more = await this.#need();
      const joined = new Uint8Array(buf.length + more.length);
      joined.set(buf, 0);
      joined.set(more, buf.length);
      buf = joined;
    }
  }

  async #need(): Promise<Uint8Array> {
    const chunk = await this.#reader.next();
    if (chunk === null) throw new BodyError("connection closed inside the chunked body");
    return chunk;
  }
}
