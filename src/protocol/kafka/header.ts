// Request and response headers (Kafka's RequestHeader.json / ResponseHeader.json):
//
//   RequestHeader v0  => request_api_key INT16, request_api_version INT16, correlation_id INT32
//   RequestHeader v1  => v0, client_id NULLABLE_STRING
//   RequestHeader v2  => v1, TAG_BUFFER            (flexible request versions)
//   ResponseHeader v0 => correlation_id INT32
//   ResponseHeader v1 => correlation_id INT32, TAG_BUFFER   (flexible response versions)
//
// client_id keeps its int16 length even in v2, so any request's header parses without knowing
// whether its version is flexible; only the tag buffer after it depends on that. Every request
// we serve uses v1 or v2 (v0 is ControlledShutdown v0's alone, which is not served), and
// ApiVersions responses use v0 even when the request is flexible, so that a client that sent a
// version the broker does not know can still read the answer.

import { KafkaReader } from "./reader.ts";
import { KafkaWriter } from "./writer.ts";
import { ApiKey } from "./api-table.ts";

export interface RequestHeader {
  apiKey: number;
  apiVersion: number;
  correlationId: number;
  clientId: string | null;
}

/** The fixed part every header starts with: key, version, correlation id (8 bytes). */
export const REQUEST_HEADER_FIXED_BYTES = 8;

/** Reads header v1 (the client id included); leaves the reader at the tag buffer or the body. */
export function readRequestHeader(r: KafkaReader): RequestHeader {
  const apiKey = r.int16("request_api_key");
  const apiVersion = r.int16("request_api_version");
  const correlationId = r.int32("correlation_id");
  const clientId = r.nullableString("client_id");
  return { apiKey, apiVersion, correlationId, clientId };
}

/** Reads the header of a flexible request: header v1 plus its tag buffer. */
export function readRequestHeaderV2(r: KafkaReader): RequestHeader {
  const header = readRequestHeader(r);
  r.taggedFields("request header tagged fields");
  return header;
}

/** Peeks at key, version and correlation id without failing the whole frame on the rest. */
export function peekRequestIds(
  frame: Uint8Array,
): { apiKey: number; apiVersion: number; correlationId: number } | null {
  if (frame.length < REQUEST_HEADER_FIXED_BYTES) return null;
  const r = new KafkaReader(frame);
  return { apiKey: r.int16(), apiVersion: r.int16(), correlationId: r.int32() };
}

/** Which response header a response uses: v1 for flexible ones, except ApiVersions (v0). */
export function responseHeaderVersion(apiKey: number, flexible: boolean): 0 | 1 {
  return flexible && apiKey !== ApiKey.ApiVersions ? 1 : 0;
}

export function writeResponseHeader(w: KafkaWriter, correlationId: number, version: 0 | 1): void {
  w.int32(correlationId);
  if (version === 1) w.unsignedVarint(0);
}
