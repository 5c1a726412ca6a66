// Kafka framing: every request and response is an INT32 size N, then N bytes. The size is
// signed on the wire; negative sizes and sizes above the limit (socket.request.max.bytes,
// default 100 MiB in Kafka) are refused before anything is allocated, and the stream cannot be
// resynchronised after that, so the connection is closed.
//
// FrameReader is sans-IO: push whatever chunks arrived, in any sizes; it returns the complete
// frames and keeps at most one partial frame.

import { assert, TributaryError } from "../../model/errors.ts";

export const FRAME_SIZE_BYTES = 4;
/** Kafka's socket.request.max.bytes default. */
export const REQUEST_BYTES_MAX_DEFAULT = 104_857_600;

/** A response frame: the size prefix, then the parts. */
export function frameOf(...parts: Uint8Array[]): Uint8Array {
  let size = 0;
  for (const p of parts) size += p.length;
  assert(size <= 0x7fff_ffff, "frame larger than an int32 can say");
  const out = new Uint8Array(FRAME_SIZE_BYTES + size);
  new DataView(out.buffer).setInt32(0, size);
  let at = FRAME_SIZE_BYTES;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

export class FrameReader {
  readonly requestBytesMax: number;
  readonly #size = new Uint8Array(FRAME_SIZE_BYTES);
  #sizeFilled = 0;
  #frame: Uint8Array | null = null;
  #frameFilled = 0;
  #error: TributaryError | null = null;

  constructor(requestBytesMax = REQUEST_BYTES_MAX_DEFAULT) {
    assert(
      Number.isSafeInteger(requestBytesMax) && requestBytesMax >= 1 &&
        requestBytesMax <= 0x7fff_ffff,
      "requestBytesMax must be an integer in [1, 2^31 - 1]",
    );
    this.requestBytesMax = requestBytesMax;
  }

  /** Set once a size was refused: nothing after it is read. */
  get error(): TributaryError | null {
    return this.#error;
  }

  /** Whether part of a frame is buffered (a stream ending now ends mid-frame). */
  get partial(): boolean {
    return this.#sizeFilled > 0;
  }

  /** The frames this chunk completed, in order (copies: the chunk may be reused). */
  push(chunk: Uint8Array): Uint8Array[] {
    const frames: Uint8Array[] = [];
    let pos = 0;
    // Each pass consumes at least one byte or completes a frame, so this ends.
    while (pos < chunk.length && this.#error === null) {
      if (this.#frame === null) {
        const take = Math.min(FRAME_SIZE_BYTES - this.#sizeFilled, chunk.length - pos);
        this.#size.set(chunk.subarray(pos, pos + take), this.#sizeFilled);
        this.#sizeFilled += take;
        pos += take;
        if (this.#sizeFilled < FRAME_SIZE_BYTES) break;
        const size = new DataView(this.#size.buffer).getInt32(0);
        if (size < 0 || size > this.requestBytesMax) {
          this.#error = new TributaryError(
            size < 0 ? "INVALID_REQUEST" : "MESSAGE_TOO_LARGE",
            `request size ${size} is outside [0, ${this.requestBytesMax}] ` +
              `(socket.request.max.bytes)`,
          );
          break;
        }
        this.#frame = new Uint8Array(size);
        this.#frameFilled = 0;
      }
      const take = Math.min(this.#frame.length - this.#frameFilled, chunk.length - pos);
      this.#frame.set(chunk.subarray(pos, pos + take), this.#frameFilled);
      this.#frameFilled += take;
      pos += take;
      if (this.#frameFilled === this.#frame.length) {
        frames.push(this.#frame);
        this.#frame = null;
        this.#sizeFilled = 0;
      }
    }
    return frames;
  }
}
