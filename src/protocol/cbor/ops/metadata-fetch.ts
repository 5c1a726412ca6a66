// MetadataFetch (op 44): a broker long-polls the active controller for committed metadata
// (KIP-631's fetch of __cluster_metadata; docs/protocol.md §6.26). Controller listener.
//
//   request v1  = {"brokerId": uint,                      ; [0, 2^31 - 1]
//                  "fromOffset": uint,                    ; [0, 2^53 - 1]; last applied + 1
//                  "maxWaitMs": uint,                     ; [0, 300,000]
//                  "maxBytes": uint}                      ; [0, 2^31 - 1]
//   response v1 = {"epoch": int, "committedOffset": int,
//                  "snapshot": Snapshot / null,
//                  "batches": [* MetadataBatch]}          ; committed, in offset order
//   Snapshot    = {"offset": int, "epoch": int, "records": RecordBytesList}
//   MetadataBatch = {"lastOffset": int, "epoch": int, "records": RecordBytesList}
//
// Records are byte strings, each one src/metadata/records.ts encodeMetadataRecord output, passed
// through undecoded; an empty list is a leader's no-op. Errors: NOT_CONTROLLER.

import type {
  MetadataBatchBytes,
  MetadataFetchReply,
  MetadataFetchRequest,
} from "../../../model/cluster.ts";
import { type CborMap, INT32_MAX, MESSAGE_LIMITS, Shape } from "../shape.ts";
import { nodeId, offset, recordBytesList } from "./cluster-shapes.ts";
import type { OpModule } from "./op-module.ts";

export const metadataFetchOp: OpModule<MetadataFetchRequest, MetadataFetchReply> = {
  versions: { min: 1, max: 1 },
  requestValidators: { 1: requestV1 },
  validateResponse: (shape, m) => ({
    epoch: shape.safeInt(m, "epoch", "body"),
    committedOffset: shape.safeInt(m, "committedOffset", "body"),
    snapshot: shape.nullable(m, "snapshot", (value) => {
      const s = shape.map(value, "body.snapshot");
      return {
        offset: shape.safeInt(s, "offset", "body.snapshot"),
        epoch: shape.safeInt(s, "epoch", "body.snapshot"),
        records: recordBytesList(shape, s, "records", "body.snapshot"),
      };
    }),
    batches: shape.list(m, "batches", "body", (item, path) => readBatch(shape, item, path)),
  }),
};

function readBatch(shape: Shape, item: unknown, path: string): MetadataBatchBytes {
  const b: CborMap = shape.map(item, path);
  return {
    lastOffset: shape.safeInt(b, "lastOffset", path),
    epoch: shape.safeInt(b, "epoch", path),
    records: recordBytesList(shape, b, "records", path),
  };
}

function requestV1(body: unknown): MetadataFetchRequest {
  const shape = new Shape("INVALID_REQUEST", "MetadataFetch v1");
  const m = shape.map(body, "body");
  return {
    brokerId: nodeId(shape, m, "brokerId", "body"),
    fromOffset: offset(shape, m, "fromOffset", "body"),
    maxWaitMs: shape.int(m, "maxWaitMs", "body", 0, MESSAGE_LIMITS.fetchWaitMsMax),
    maxBytes: shape.int(m, "maxBytes", "body", 0, INT32_MAX),
  };
}
