// The envelope every frame's CBOR item follows (docs/protocol.md §2-4):
//   frame     = length: u32be  item         ; exactly `length` bytes of one CBOR item
//   request   = [op: uint, version: uint, correlationId: uint32 (not 0), body: map]
//   response  = [correlationId: uint32, error: null / WireError, body: map / null]
//   WireError = {code: text, message: text, retriable: bool}
// Body maps have text keys; optional fields may be absent. Each operation's bodies are written
// down at the top of its file in ops/. Record batches are byte strings in the on-disk Kafka
// record batch v2 format.
//
// Decoding checks the envelope only; bodies are checked by their operation's validators
// (ops/<op-name>.ts, run through ops/index.ts).

import { TributaryError } from "../../model/errors.ts";
import { decodeCbor } from "./cbor-decode.ts";
import { encodeCbor } from "./cbor-encode.ts";
import { FRAME_HEADER_BYTES, writeFrameHeader } from "./frame.ts";
import { isPlainMap, Shape, toSafeInteger } from "./shape.ts";

/** Correlation id 0 is reserved for connection-level errors sent by the server. */
export const CORRELATION_ID_CONNECTION = 0;
export const CORRELATION_ID_MAX = 0xffff_ffff;

/** The error object of a response envelope, and of per-item results inside bodies. */
export interface WireError {
  code: string;
  message: string;
  retriable: boolean;
}

export interface RequestEnvelope {
  op: number;
  version: number;
  correlationId: number;
  body: unknown;
  /**
   * Set when op or version is not an unsigned integer: the request must be refused with it,
   * unprocessed (op and version are then -1). The correlation id is sound, so the connection
   * can carry on.
   */
  invalid: TributaryError | null;
}

export interface ResponseEnvelope {
  correlationId: number;
  error: WireError | null;
  body: unknown;
}

/** One whole frame (length header included) holding a request. */
export function encodeRequestFrame(
  op: number,
  version: number,
  correlationId: number,
  body: unknown,
): Uint8Array {
  return frameOf([op, version, correlationId, body]);
}

/**
 * One whole frame (length header included) holding a response. With an error the body is
 * normally null; ApiVersions sends its body along with UNSUPPORTED_VERSION so a client can
 * still learn which versions the server speaks.
 */
export function encodeResponseFrame(
  correlationId: number,
  error: WireError | null,
  body: unknown,
): Uint8Array {
  return frameOf([correlationId, error, body ?? null]);
}

function frameOf(item: unknown[]): Uint8Array {
  const frame = encodeCbor(item, FRAME_HEADER_BYTES);
  writeFrameHeader(frame, frame.byteLength - FRAME_HEADER_BYTES);
  return frame;
}

/**
 * The request in a frame payload. Throws when the connection must close: CORRUPT_MESSAGE when
 * the payload is not a CBOR array of 4 items, INVALID_REQUEST when its correlation id is not a
 * uint32 other than 0 (0 is the server's own, for connection-level errors); either way nothing
 * can be answered to the peer's request.
 */
export function decodeRequest(payload: Uint8Array): RequestEnvelope {
  const item = decodeCbor(payload);
  if (!Array.isArray(item) || item.length !== 4) {
    throw new TributaryError("CORRUPT_MESSAGE", "a request must be a CBOR array of 4 items");
  }
  const correlationId = toSafeInteger(item[2]);
  if (correlationId === undefined || correlationId < 1 || correlationId > CORRELATION_ID_MAX) {
    throw new TributaryError(
      "INVALID_REQUEST",
      `request correlation id must be an integer in [1, ${CORRELATION_ID_MAX}]`,
    );
  }
  const op = toSafeInteger(item[0]);
  const version = toSafeInteger(item[1]);
  if (op === undefined || op < 0 || version === undefined || version < 0) {
    const invalid = new TributaryError(
      "INVALID_REQUEST",
      "request op and version must be unsigned integers",
    );
    return { op: -1, version: -1, correlationId, body: item[3], invalid };
  }
  return { op, version, correlationId, body: item[3], invalid: null };
}

/** The response in a frame payload; malformed ones are UNKNOWN_SERVER_ERROR (the server's fault). */
export function decodeResponse(payload: Uint8Array): ResponseEnvelope {
  const shape: Shape = new Shape("UNKNOWN_SERVER_ERROR", "malformed response");
  let item: unknown;
  try {
    item = decodeCbor(payload);
  } catch (err) {
    throw new TributaryError("UNKNOWN_SERVER_ERROR", "malformed response: undecodable CBOR", {
      cause: err,
    });
  }
  if (!Array.isArray(item) || item.length !== 3) shape.fail("response", "an array of 3 items");
  const correlationId = toSafeInteger(item[0]);
  if (correlationId === undefined || correlationId < 0 || correlationId > CORRELATION_ID_MAX) {
    shape.fail("response[0]", "a uint32 correlation id");
  }
  return { correlationId, error: readWireError(shape, item[1]), body: item[2] };
}

export function readWireError(shape: Shape, value: unknown): WireError | null {
  if (value === null || value === undefined) return null;
  if (!isPlainMap(value)) shape.fail("error", "null or a map");
  return {
    code: shape.text(value, "code", "error"),
    message: shape.text(value, "message", "error"),
    retriable: shape.optBool(value, "retriable", "error") ?? false,
  };
}
