// ApiVersions: the table of what this listener serves (api-table.ts).

import { API_TABLE } from "../../api-table.ts";
import { NONE } from "../../error-codes.ts";
import {
  type ApiVersionRange,
  decodeApiVersionsRequest,
  encodeApiVersionsResponse,
} from "../../messages/api-versions.ts";
import type { KafkaReader } from "../../reader.ts";
import type { KafkaWriter } from "../../writer.ts";

export const ADVERTISED: readonly ApiVersionRange[] = API_TABLE.map((e) => ({
  key: e.key,
  minVersion: e.minVersion,
  maxVersion: e.maxVersion,
}));

export function apiVersions(r: KafkaReader, version: number, w: KafkaWriter): void {
  decodeApiVersionsRequest(r, version);
  r.expectEnd(`ApiVersions v${version}`);
  encodeApiVersionsResponse(w, version, {
    errorCode: NONE,
    apiKeys: ADVERTISED,
    throttleTimeMs: 0,
  });
}
