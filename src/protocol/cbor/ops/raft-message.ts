// RaftMessage (op 51): one Raft message from one controller to another (docs/protocol.md
// §6.33). Controller listener. One-way: sent with ProtocolClient.send, never answered.
//
//   request v1  = {"clusterId": text,
//                  "from": uint, "to": uint,              ; controller ids, [0, 2^31 - 1]
//                  "message": bytes}                      ; src/controller/raft codec bytes
//   response v1 = none: the server never answers a RaftMessage
//
// A RaftMessage that fails validation (or finds no controller on the node) is dropped and
// counted (tributary_one_way_dropped_total), never answered: Raft retries on its own timers.

import type { RaftEnvelope } from "../../../model/cluster.ts";
import { Shape } from "../shape.ts";
import { nodeId } from "./cluster-shapes.ts";
import type { OpModule } from "./op-module.ts";

/** No body ever travels back; the type exists for the operation table. */
export type RaftMessageResponse = Record<string, never>;

export const raftMessageOp: OpModule<RaftEnvelope, RaftMessageResponse> = {
  versions: { min: 1, max: 1 },
  requestValidators: { 1: requestV1 },
  validateResponse: () => ({}),
};

function requestV1(body: unknown): RaftEnvelope {
  const shape = new Shape("INVALID_REQUEST", "RaftMessage v1");
  const m = shape.map(body, "body");
  return {
    clusterId: shape.text(m, "clusterId", "body"),
    from: nodeId(shape, m, "from", "body"),
    to: nodeId(shape, m, "to", "body"),
    message: shape.bytes(m, "message", "body"),
  };
}
