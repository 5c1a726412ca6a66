// From one request frame to its header and a reader at its body, or to the reason it cannot be
// served: an API key or version outside the table (api-table.ts). Which header a request uses
// depends on whether its version is flexible, which only the table knows, so the key and
// version are read first (they sit at fixed offsets in every header version).

import { type ApiEntry, apiEntry, isFlexible } from "./api-table.ts";
import { peekRequestIds, readRequestHeader, readRequestHeaderV2 } from "./header.ts";
import type { RequestHeader } from "./header.ts";
import { KafkaReader } from "./reader.ts";
import { TributaryError } from "../../model/errors.ts";

export interface ParsedRequest {
  kind: "request";
  header: RequestHeader;
  entry: ApiEntry;
  flexible: boolean;
  /** Positioned at the body. */
  body: KafkaReader;
}

export interface UnsupportedRequest {
  kind: "unsupported";
  apiKey: number;
  apiVersion: number;
  correlationId: number;
}

export function parseRequest(frame: Uint8Array): ParsedRequest | UnsupportedRequest {
  const ids = peekRequestIds(frame);
  if (ids === null) {
    throw new TributaryError("INVALID_REQUEST", `a ${frame.length}-byte frame has no header`);
  }
  const entry = apiEntry(ids.apiKey);
  if (
    entry === undefined || ids.apiVersion < entry.minVersion || ids.apiVersion > entry.maxVersion
  ) {
    return { kind: "unsupported", ...ids };
  }
  const flexible = isFlexible(entry, ids.apiVersion);
  const body = new KafkaReader(frame);
  const header = flexible ? readRequestHeaderV2(body) : readRequestHeader(body);
  return { kind: "request", header, entry, flexible, body };
}
