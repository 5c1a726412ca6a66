// ApiVersions (key 18), versions 0-3; v3 is flexible. Its response always uses response
// header v0 (header.ts).
//
// Request:
//   v0-v2 => (no fields)
//   v3    => client_software_name COMPACT_STRING, client_software_version COMPACT_STRING,
//            TAG_BUFFER
// Response:
//   v0    => error_code INT16, api_keys ARRAY(api_key INT16, min_version INT16, max_version INT16)
//   v1-v2 => v0, throttle_time_ms INT32
//   v3    => error_code INT16,
//            api_keys COMPACT_ARRAY(api_key INT16, min_version INT16, max_version INT16,
//                                   TAG_BUFFER),
//            throttle_time_ms INT32, TAG_BUFFER
//
// A request above the highest version we know is answered in the v0 layout with
// UNSUPPORTED_VERSION (35) and the full list (KIP-511): the client learns our maximum and
// retries with it. Its body is not parsed, since its grammar is unknown.

import { KafkaReader } from "../reader.ts";
import { KafkaWriter } from "../writer.ts";

export interface ApiVersionsRequest {
  clientSoftwareName: string | null;
  clientSoftwareVersion: string | null;
}

export interface ApiVersionRange {
  key: number;
  minVersion: number;
  maxVersion: number;
}

export interface ApiVersionsResponse {
  errorCode: number;
  apiKeys: readonly ApiVersionRange[];
  throttleTimeMs: number;
}

export function decodeApiVersionsRequest(r: KafkaReader, version: number): ApiVersionsRequest {
  if (version < 3) return { clientSoftwareName: null, clientSoftwareVersion: null };
  const clientSoftwareName = r.compactString("client_software_name");
  const clientSoftwareVersion = r.compactString("client_software_version");
  r.taggedFields();
  return { clientSoftwareName, clientSoftwareVersion };
}

export function encodeApiVersionsResponse(
  w: KafkaWriter,
  version: number,
  body: ApiVersionsResponse,
): void {
  const flexible = version >= 3;
  w.int16(body.errorCode);
  w.array(flexible, body.apiKeys, (w, k) => {
    w.int16(k.key).int16(k.minVersion).int16(k.maxVersion).tags(flexible);
  });
  if (version >= 1) w.int32(body.throttleTimeMs);
  w.tags(flexible);
}
