// ApiVersions (op 1): the handshake a client sends first (docs/protocol.md §6.1).
//
//   request v1  = {"clientId": text, "clientVersion": text}
//   response v1 = {"nodeId": int, "serverVersion": text,
//                  "frameBytesMax": uint,          ; largest payload the server accepts
//                  "apis": [* ApiVersionRange]}     ; every operation the server answers
//   ApiVersionRange = {"op": uint, "name": text, "minVersion": uint, "maxVersion": uint}
//
// An unsupported ApiVersions version is answered UNSUPPORTED_VERSION *with* this body.

import { SAFE_INT_MAX, Shape } from "../shape.ts";
import type { OpModule } from "./op-module.ts";

export interface ApiVersionsRequest {
  clientId: string;
  clientVersion: string;
}

export interface ApiVersionRange {
  op: number;
  name: string;
  minVersion: number;
  maxVersion: number;
}

export interface ApiVersionsResponse {
  nodeId: number;
  serverVersion: string;
  /** Largest frame (4-byte header included) the server accepts. */
  frameBytesMax: number;
  apis: ApiVersionRange[];
}

export const apiVersionsOp: OpModule<ApiVersionsRequest, ApiVersionsResponse> = {
  versions: { min: 1, max: 1 },
  requestValidators: { 1: requestV1 },
  validateResponse: (shape, m) => ({
    nodeId: shape.safeInt(m, "nodeId", "body"),
    serverVersion: shape.text(m, "serverVersion", "body"),
    frameBytesMax: shape.int(m, "frameBytesMax", "body", 1, SAFE_INT_MAX),
    apis: shape.list(m, "apis", "body", (item, path) => {
      const a = shape.map(item, path);
      return {
        op: shape.int(a, "op", path, 0, SAFE_INT_MAX),
        name: shape.text(a, "name", path),
        minVersion: shape.int(a, "minVersion", path, 0, SAFE_INT_MAX),
        maxVersion: shape.int(a, "maxVersion", path, 0, SAFE_INT_MAX),
      };
    }),
  }),
};

function requestV1(body: unknown): ApiVersionsRequest {
  const shape = new Shape("INVALID_REQUEST", "ApiVersions v1");
  const m = shape.map(body, "body");
  return {
    clientId: shape.text(m, "clientId", "body"),
    clientVersion: shape.text(m, "clientVersion", "body"),
  };
}
