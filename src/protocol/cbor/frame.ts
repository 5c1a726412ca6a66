// Length-prefixed frames: a 4-byte big-endian unsigned length N, then N bytes of payload.
//
// FrameDecoder is sans-IO: feed it whatever chunks the socket produced, in any sizes, and it
// returns the complete payloads. It buffers at most one partial frame, allocated only once the
// length is known and within frameBytesMax, so a peer announcing 2 GiB costs nothing.

import { assert, TributaryError } from "../../model/errors.ts";

export const FRAME_HEADER_BYTES = 4;
/** Default payload limit: 64 MiB of record data plus room for the envelope around it. */
export const FRAME_BYTES_MAX_DEFAULT = 64 * 1024 * 1024 + 64 * 1024;
/** What a u32 length can announce; frameBytesMax cannot exceed it. */
export const FRAME_BYTES_LIMIT = 0xffff_ffff;

/** A frame (header and payload) around an already encoded payload. */
export function encodeFrame(payload: Uint8Array): Uint8Array {
  const frame = new Uint8Array(FRAME_HEADER_BYTES + payload.byteLength);
  writeFrameHeader(frame, payload.byteLength);
  frame.set(payload, FRAME_HEADER_BYTES);
  return frame;
}

/** Writes the length header into the first 4 bytes of a buffer that already holds the payload. */
export function writeFrameHeader(frame: Uint8Array, payloadBytes: number): void {
  assert(payloadBytes >= 0 && payloadBytes <= FRAME_BYTES_LIMIT, `frame length ${payloadBytes}`);
  new DataView(frame.buffer, frame.byteOffset, FRAME_HEADER_BYTES).setUint32(0, payloadBytes);
}

export interface FrameDecoderOptions {
  /** Largest payload accepted (header not included). */
  frameBytesMax?: number;
}

export class FrameDecoder {
  readonly frameBytesMax: number;
  readonly #header = new Uint8Array(FRAME_HEADER_BYTES);
  #headerFilled = 0;
  #frame: Uint8Array | null = null;
  #frameFilled = 0;
  #error: TributaryError | null = null;

  constructor(options: FrameDecoderOptions = {}) {
    const frameBytesMax = options.frameBytesMax ?? FRAME_BYTES_MAX_DEFAULT;
    assert(
      Number.isInteger(frameBytesMax) && frameBytesMax >= 1 && frameBytesMax <= FRAME_BYTES_LIMIT,
      `frameBytesMax must be an integer in [1, ${FRAME_BYTES_LIMIT}]`,
    );
    this.frameBytesMax = frameBytesMax;
  }

  /**
   * Consumes a chunk; returns the payloads it completed, in order. Payloads may be views into
   * the chunk. After an oversized announcement, `error` is set, the frames before it are
   * still returned, and every later chunk is ignored: the stream cannot be resynchronised.
   */
  push(chunk: Uint8Array): Uint8Array[] {
    const frames: Uint8Array[] = [];
    let pos = 0;
    while (pos < chunk.byteLength && this.#error === null) {
      if (this.#frame !== null) {
        pos = this.#fillFrame(chunk, pos, frames);
      } else if (this.#headerFilled === 0 && chunk.byteLength - pos >= FRAME_HEADER_BYTES) {
        pos = this.#fastPath(chunk, pos, frames);
      } else {
        pos = this.#fillHeader(chunk, pos, frames);
      }
    }
    return frames;
  }

  /** Set once a header announced more than frameBytesMax; the connection must be closed. */
  get error(): TributaryError | null {
    return this.#error;
  }

  /** Bytes of an unfinished frame held (header included); 0 between frames. */
  get bufferedBytes(): number {
    return this.#headerFilled + this.#frameFilled;
  }

  /** True while a frame has started but not completed (a peer closing now dropped it mid-frame). */
  get midFrame(): boolean {
    return this.#headerFilled > 0 || this.#frame !== null;
  }

  // Whole header in this chunk: read it in place, and hand out the payload as a view if whole too.
  #fastPath(chunk: Uint8Array, pos: number, frames: Uint8Array[]): number {
    const length = new DataView(chunk.buffer, chunk.byteOffset + pos, FRAME_HEADER_BYTES).getUint32(
      0,
    );
    pos += FRAME_HEADER_BYTES;
    if (!this.#accept(length)) return pos;
    if (chunk.byteLength - pos >= length) {
      frames.push(chunk.subarray(pos, pos + length));
      return pos + length;
    }
    this.#headerFilled = FRAME_HEADER_BYTES;
    this.#startFrame(length);
    return pos;
  }

  #fillHeader(chunk: Uint8Array, pos: number, frames: Uint8Array[]): number {
    const take = Math.min(FRAME_HEADER_BYTES - this.#headerFilled, chunk.byteLength - pos);
    this.#header.set(chunk.subarray(pos, pos + take), this.#headerFilled);
    this.#headerFilled += take;
    pos += take;
    if (this.#headerFilled < FRAME_HEADER_BYTES) return pos;
    const length = new DataView(this.#header.buffer).getUint32(0);
    if (!this.#accept(length)) return pos;
    if (length === 0) {
      frames.push(new Uint8Array(0));
      this.#headerFilled = 0;
      return pos;
    }
    this.#startFrame(length);
    return pos;
  }

  #fillFrame(chunk: Uint8Array, pos: number, frames: Uint8Array[]): number {
    const frame = this.#frame;
    assert(frame !== null, "fillFrame without a frame");
    const take = Math.min(frame.byteLength - this.#frameFilled, chunk.byteLength - pos);
    frame.set(chunk.subarray(pos, pos + take), this.#frameFilled);
    this.#frameFilled += take;
    if (this.#frameFilled === frame.byteLength) {
      frames.push(frame);
      this.#frame = null;
      this.#frameFilled = 0;
      this.#headerFilled = 0;
    }
    return pos + take;
  }

  #startFrame(length: number): void {
    this.#frame = new Uint8Array(length);
    this.#frameFilled = 0;
  }

  #accept(length: number): boolean {
    if (length <= this.frameBytesMax) return true;
    this.#error = new TributaryError(
      "PAYLOAD_TOO_LARGE",
      `frame of ${length} bytes announced; the limit is ${this.frameBytesMax}`,
    );
    return false;
  }
}
