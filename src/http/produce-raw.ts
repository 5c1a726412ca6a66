// Produce of one raw record: `Content-Type: application/octet-stream`, the body is the value's
// bytes as they are (an image, a protobuf, anything; an empty body is a zero-length value).
// The rest of the record comes from query parameters, percent-encoded UTF-8:
//   key=TEXT                the key (absent: null)
//   header=NAME:VALUE       a header; repeatable, split at the first ':'
//   timestamp=MS            milliseconds since the epoch (default: the broker's clock)
//   encoding=utf8|base64    how key and header values are spelled (default utf8)

import { INPUT_ENCODINGS, inputBytes, readBodyBounded } from "./codec.ts";
import type { InputEncoding } from "./codec.ts";
import type { ProduceRecord } from "./produce-body.ts";
import { invalid, parseEnumParam, parseIntegerParam } from "./validate.ts";

const HEADERS_MAX = 1_000;
/** Query parameters that only describe a raw record; a JSON or CBOR body carries its own. */
export const RAW_RECORD_PARAMETERS = ["key", "header", "timestamp", "encoding"] as const;

export async function parseRawRecord(
  request: Request,
  bytesMax: number,
  nowMs: number,
): Promise<ProduceRecord> {
  const query = new URL(request.url).searchParams;
  const encoding: InputEncoding = parseEnumParam(
    query.get("encoding") ?? undefined,
    "encoding",
    INPUT_ENCODINGS,
    "utf8",
  );
  const key = query.get("key");
  const headerParams = query.getAll("header");
  if (headerParams.length > HEADERS_MAX) throw invalid(`at most ${HEADERS_MAX} header parameters`);
  const headers = headerParams.map((param, i) => {
    const colon = param.indexOf(":");
    if (colon <= 0) {
      throw invalid(`header[${i}] must be NAME:VALUE, got ${JSON.stringify(param.slice(0, 100))}`);
    }
    const name = param.slice(0, colon);
    return { key: name, value: inputBytes(param.slice(colon + 1), encoding, `header ${name}`) };
  });
  const timestamp = parseIntegerParam(query.get("timestamp") ?? undefined, "timestamp", {
    min: 0,
    max: Number.MAX_SAFE_INTEGER,
    default: nowMs,
  });
  return {
    key: key === null ? null : inputBytes(key, encoding, "key"),
    value: await readBodyBounded(request, bytesMax),
    headers,
    timestamp,
    partition: undefined,
  };
}

/** A JSON or CBOR produce body spells its records itself: raw-record parameters are refused. */
export function refuseRawRecordParameters(request: Request): void {
  const query = new URL(request.url).searchParams;
  for (const name of RAW_RECORD_PARAMETERS) {
    if (query.has(name)) {
      throw invalid(
        `query parameter ${name} is for application/octet-stream bodies; a JSON or CBOR body sets it per record`,
      );
    }
  }
}
