// FindCoordinator (key 10), versions 0-4; v3+ flexible. (v5 only adds TRANSACTION_ABORTABLE,
// v6 share groups: not served.)
//
// Request:
//   v0    => key STRING
//   v1-v3 => key STRING, key_type INT8                 (0: group, 1: transaction)
//   v4    => key_type INT8, coordinator_keys ARRAY(STRING)   (KIP-699: batched)
// Response:
//   v0    => error_code INT16, node_id INT32, host STRING, port INT32
//   v1-v3 => throttle_time_ms INT32, error_code INT16, error_message NULLABLE_STRING,
//            node_id INT32, host STRING, port INT32
//   v4    => throttle_time_ms INT32,
//            coordinators ARRAY(key STRING, node_id INT32, host STRING, port INT32,
//                               error_code INT16, error_message NULLABLE_STRING)
//   (v3+: compact encodings and a TAG_BUFFER closing every struct)

import { assert } from "../../../model/errors.ts";
import type { KafkaReader } from "../reader.ts";
import type { KafkaWriter } from "../writer.ts";

export const FIND_COORDINATOR_FIRST_FLEXIBLE = 3;
export const KEY_TYPE_GROUP = 0;
export const KEY_TYPE_TRANSACTION = 1;

export interface FindCoordinatorRequest {
  keyType: number;
  /** One key before v4; any number from v4. */
  keys: string[];
}

export interface Coordinator {
  key: string;
  nodeId: number;
  host: string;
  port: number;
  errorCode: number;
  errorMessage: string | null;
}

export interface FindCoordinatorResponse {
  /** Exactly one before v4 (its key is not written). */
  coordinators: Coordinator[];
}

export function decodeFindCoordinatorRequest(
  r: KafkaReader,
  version: number,
): FindCoordinatorRequest {
  const flexible = version >= FIND_COORDINATOR_FIRST_FLEXIBLE;
  if (version >= 4) {
    const keyType = r.int8("key_type");
    const keys = r.array(true, "coordinator_keys", (r) => r.compactString("coordinator_key"));
    r.taggedFields();
    return { keyType, keys: keys ?? [] };
  }
  const key = flexible ? r.compactString("key") : r.string("key");
  const keyType = version >= 1 ? r.int8("key_type") : KEY_TYPE_GROUP;
  if (flexible) r.taggedFields();
  return { keyType, keys: [key] };
}

export function encodeFindCoordinatorResponse(
  w: KafkaWriter,
  version: number,
  body: FindCoordinatorResponse,
): void {
  const flexible = version >= FIND_COORDINATOR_FIRST_FLEXIBLE;
  if (version >= 1) w.int32(0);
  if (version >= 4) {
    w.array(true, body.coordinators, (w, c) => {
      w.str(true, c.key).int32(c.nodeId).str(true, c.host).int32(c.port);
      w.int16(c.errorCode).str(true, c.errorMessage).tags(true);
    });
    w.tags(true);
    return;
  }
  assert(body.coordinators.length === 1, "FindCoordinator before v4 answers one key");
  const c = body.coordinators[0];
  w.int16(c.errorCode);
  if (version >= 1) w.str(flexible, c.errorMessage);
  w.int32(c.nodeId).str(flexible, c.host).int32(c.port);
  w.tags(flexible);
}
