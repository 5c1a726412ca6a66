// Content negotiation and the record payload encodings of the HTTP API.
//
// Bodies: `Content-Type: application/cbor` is decoded as CBOR, `application/json` as JSON;
// other types are refused (content-type.ts). Responses: CBOR when Accept ranks application/cbor above application/json,
// JSON otherwise. Bodies are read with a byte cap enforced while streaming, never buffered whole
// first.

// cbor-x/decode and cbor-x/encode skip the optional native string extractor (cbor-extract),
// which crashes Deno and Bun when it loads.
import { Decoder } from "cbor-x/decode";
import { Encoder } from "cbor-x/encode";
import { TributaryError } from "../model/errors.ts";
import { readStreamBounded } from "../log/read-bounded.ts";
import { decodeBase64, encodeBase64 } from "./base64.ts";
import { CBOR_TYPE, JSON_TYPE, mediaType, unsupportedMediaType } from "./media-type.ts";
import { invalid } from "./validate.ts";

export type WireFormat = "json" | "cbor";

// Plain CBOR maps and untagged byte strings, readable by any CBOR library.
const cborEncoder = new Encoder({ useRecords: false, tagUint8Array: false, mapsAsObjects: true });
// int64AsNumber (untyped in cbor-x's .d.ts) reads 64-bit integers as numbers, not bigints.
const cborDecoderOptions = { useRecords: false, mapsAsObjects: true, int64AsNumber: true };
const cborDecoder = new Decoder(cborDecoderOptions);
const utf8Strict = new TextDecoder("utf-8", { fatal: true });
const utf8Lenient = new TextDecoder("utf-8");
const utf8Encoder = new TextEncoder();
const UINT32_LIMIT = 0x1_0000_0000;

/** The format of a request body; null when its Content-Type is neither JSON nor CBOR. */
export function requestFormat(request: Request): WireFormat | null {
  const type = mediaType(request.headers.get("content-type"));
  return type === CBOR_TYPE ? "cbor" : type === JSON_TYPE ? "json" : null;
}

/** CBOR only when the client ranks it strictly above JSON (q-values; JSON wins ties). */
export function responseFormat(request: Request): WireFormat {
  const accept = request.headers.get("accept");
  if (accept === null) return "json";
  let cborQ = 0;
  let jsonQ = 0;
  let anyQ = 0;
  for (const part of accept.split(",").slice(0, 32)) {
    const [type, ...params] = part.split(";").map((s) => s.trim().toLowerCase());
    const qParam = params.find((p) => p.startsWith("q="));
    const q = qParam === undefined ? 1 : Number(qParam.slice(2));
    if (!Number.isFinite(q)) continue;
    if (type === CBOR_TYPE) cborQ = Math.max(cborQ, q);
    else if (type === JSON_TYPE) jsonQ = Math.max(jsonQ, q);
    else if (type === "*/*" || type === "application/*") anyQ = Math.max(anyQ, q);
  }
  return cborQ > Math.max(jsonQ, anyQ) ? "cbor" : "json";
}

/** Reads the body, refusing with PAYLOAD_TOO_LARGE as soon as it passes bytesMax. */
export async function readBodyBounded(request: Request, bytesMax: number): Promise<Uint8Array> {
  const declared = request.headers.get("content-length");
  if (declared !== null && Number(declared) > bytesMax) throw tooLarge(bytesMax);
  if (request.body === null) return new Uint8Array(0);
  return await readStreamBounded(request.body.getReader(), {
    bytesMax,
    tooLarge: () => tooLarge(bytesMax),
  });
}

/** Parses a JSON or CBOR request body; malformed input is INVALID_REQUEST. */
export async function readBody(request: Request, bytesMax: number): Promise<unknown> {
  const bytes = await readBodyBounded(request, bytesMax);
  const format = requestFormat(request);
  if (bytes.length === 0) {
    throw invalid(`request body is empty (expected ${format?.toUpperCase() ?? "JSON or CBOR"})`);
  }
  // A body of unknown length without a Content-Type gets past contentTypeCheck: refused here.
  if (format === null) {
    throw unsupportedMediaType(mediaType(request.headers.get("content-type")), false);
  }
  if (format === "cbor") {
    try {
      return cborDecoder.decode(bytes);
    } catch (err) {
      throw new TributaryError("INVALID_REQUEST", "malformed CBOR body", { cause: err });
    }
  }
  try {
    return JSON.parse(utf8Strict.decode(bytes));
  } catch (err) {
    throw new TributaryError("INVALID_REQUEST", "malformed JSON body", { cause: err });
  }
}

/** Decodes CBOR bytes as request bodies are (an answer to a request this broker forwarded). */
export function decodeCbor(bytes: Uint8Array): unknown {
  return cborDecoder.decode(bytes);
}

export function encodeResponse(body: unknown, format: WireFormat): Uint8Array | string {
  return format === "cbor" ? cborEncoder.encode(widenLargeIntegers(body)) : JSON.stringify(body);
}

export function contentType(format: WireFormat): string {
  return format === "cbor" ? CBOR_TYPE : `${JSON_TYPE}; charset=utf-8`;
}

// cbor-x writes integers of 2^32 and above as float64; bigints become CBOR uint64/nint64, which
// keeps offsets and millisecond timestamps integer-typed for decoders in typed languages.
function widenLargeIntegers(value: unknown): unknown {
  if (typeof value === "number") {
    const large = Number.isSafeInteger(value) && (value >= UINT32_LIMIT || value < -UINT32_LIMIT);
    return large ? BigInt(value) : value;
  }
  if (Array.isArray(value)) return value.map(widenLargeIntegers);
  if (value === null || typeof value !== "object" || value instanceof Uint8Array) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = widenLargeIntegers(v);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Record keys, values and header values

/** How produce bodies spell record bytes: "base64" makes strings base64 bytes. */
export type InputEncoding = "utf8" | "base64";
export const INPUT_ENCODINGS: readonly InputEncoding[] = ["utf8", "base64"];

/** How fetch responses spell record bytes; "bytes" (CBOR responses only) sends byte strings. */
export type OutputEncoding = "utf8" | "base64" | "json" | "bytes";
export const OUTPUT_ENCODINGS: readonly OutputEncoding[] = ["utf8", "base64", "json", "bytes"];

/**
 * A key, value or header value from a request body as bytes. Strings are UTF-8 (or base64),
 * null stays null, a CBOR byte string is taken as is, any other JSON value becomes its JSON text.
 */
export function inputBytes(
  value: unknown,
  encoding: InputEncoding,
  field: string,
): Uint8Array | null {
  if (value === null) return null;
  if (value instanceof Uint8Array) return value;
  if (typeof value === "string") {
    return encoding === "base64" ? decodeBase64(value, field) : utf8Encoder.encode(value);
  }
  if (encoding === "base64") throw invalid(`${field} must be a base64 string or null`);
  if (!isJsonValue(value)) throw invalid(`${field} must be a string, null or JSON value`);
  let text: string;
  try {
    text = JSON.stringify(value);
  } catch (err) {
    // A CBOR body can nest values JSON cannot spell (bigints); that is the client's error.
    throw new TributaryError("INVALID_REQUEST", `${field} cannot be written as JSON`, {
      cause: err,
    });
  }
  return utf8Encoder.encode(text);
}

export function outputBytes(bytes: Uint8Array | null, encoding: OutputEncoding): unknown {
  if (bytes === null) return null;
  switch (encoding) {
    case "bytes":
      return bytes;
    case "base64":
      return encodeBase64(bytes);
    case "utf8":
      return utf8Lenient.decode(bytes);
    case "json":
      return parseJsonOrText(bytes);
  }
}

/** Header values are never parsed as JSON: they are text (or base64/bytes). */
export function outputHeaderValue(bytes: Uint8Array | null, encoding: OutputEncoding): unknown {
  return outputBytes(bytes, encoding === "json" ? "utf8" : encoding);
}

// "json" hands back parsed JSON where the bytes are JSON and the UTF-8 text where they are not,
// so one non-JSON record does not fail a whole fetch.
function parseJsonOrText(bytes: Uint8Array): unknown {
  const text = utf8Lenient.decode(bytes);
  try {
    return JSON.parse(text);
  } catch {
    return text; // not JSON: documented fallback, not an I/O error being swallowed
  }
}

// Only JSON-shaped data (what a JSON or CBOR body can carry besides bytes) is accepted.
function isJsonValue(value: unknown): boolean {
  if (typeof value === "number") return Number.isFinite(value);
  if (typeof value === "boolean") return true;
  if (Array.isArray(value)) return true;
  return value !== null && typeof value === "object" && !(value instanceof Date);
}

function tooLarge(bytesMax: number): TributaryError {
  return new TributaryError("PAYLOAD_TOO_LARGE", `request body exceeds ${bytesMax} bytes`);
}
