// The envelope every frame's CBOR item follows:
//   request  = [op: uint, version: uint, correlationId: uint32, body: map]
//   response = [correlationId: uint32, error: null / {code, message, retriable}, body: map / null]
// Decoding checks the envelope only; bodies are checked by validate-request / validate-response.

import { TributaryError } from "../../errors.ts";
import { decodeCbor } from "./cbor-decode.ts";
import { encodeCbor } from "./cbor-encode.ts";
import { FRAME_HEADER_BYTES, writeFrameHeader } from "./frame.ts";
import { CORRELATION_ID_MAX, type WireError } from "./messages.ts";
import { isPlainMap, Shape, toSafeInteger } from "./shape.ts";

export interface RequestEnvelope {
  op: number;
  version: number;
  correlationId: number;
  body: unknown;
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
 * The request in a frame payload. Throws CORRUPT_MESSAGE when the payload is not a well-formed
 * envelope: then not even the correlation id can be trusted, and the connection must close.
 */
export function decodeRequest(payload: Uint8Array): RequestEnvelope {
  const item = decodeCbor(payload);
  if (!Array.isArray(item) || item.length !== 4) {
    throw new TributaryError("CORRUPT_MESSAGE", "a request must be a CBOR array of 4 items");
  }
  const op = toSafeInteger(item[0]);
  const version = toSafeInteger(item[1]);
  const correlationId = toSafeInteger(item[2]);
  if (op === undefined || op < 0 || version === undefined || version < 0) {
    throw new TributaryError("CORRUPT_MESSAGE", "request op and version must be unsigned integers");
  }
  if (correlationId === undefined || correlationId < 0 || correlationId > CORRELATION_ID_MAX) {
    throw new TributaryError("CORRUPT_MESSAGE", "request correlation id must be a uint32");
  }
  return { op, version, correlationId, body: item[3] };
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
