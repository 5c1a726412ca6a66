// The media types the HTTP API reads and the 415 error for any other: a leaf that the codec and
// the content-type middleware (content-type.ts) both use, so neither imports the other.

import { TributaryError } from "../model/errors.ts";

export const JSON_TYPE = "application/json";
export const CBOR_TYPE = "application/cbor";
export const OCTET_STREAM_TYPE = "application/octet-stream";

/** The media type of a Content-Type header, lower-cased and without parameters; null if absent. */
export function mediaType(header: string | null | undefined): string | null {
  if (header === null || header === undefined) return null;
  const type = header.split(";")[0].trim().toLowerCase();
  return type === "" ? null : type;
}

export function unsupportedMediaType(got: string | null, rawAllowed: boolean): TributaryError {
  const accepted = rawAllowed
    ? `${JSON_TYPE}, ${CBOR_TYPE} or ${OCTET_STREAM_TYPE}`
    : `${JSON_TYPE} or ${CBOR_TYPE}`;
  const what = got === null
    ? "no Content-Type"
    : `Content-Type ${JSON.stringify(got.slice(0, 100))}`;
  return new TributaryError(
    "UNSUPPORTED_MEDIA_TYPE",
    `a request body needs Content-Type ${accepted}, got ${what}`,
  );
}
