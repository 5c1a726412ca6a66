// BrokerHeartbeat (op 43): a registered broker's heartbeat, every 250 ms, saying how far it has
// applied the metadata log (KIP-631; docs/protocol.md §6.25). Controller listener.
//
//   request v1  = {"brokerId": uint,                      ; [0, 2^31 - 1]
//                  "incarnationId": text,
//                  "appliedOffset": uint,                 ; [0, 2^53 - 1]; 0: nothing applied
//                  "wantShutdown": bool}                  ; controlled shutdown
//   response v1 = {"fenced": bool, "caughtUp": bool, "shutdownReady": bool}
//
// Errors: NOT_CONTROLLER, BROKER_ID_NOT_REGISTERED, STALE_BROKER_EPOCH (another incarnation).

import type { BrokerHeartbeatReply, BrokerHeartbeatRequest } from "../../../model/cluster.ts";
import { Shape } from "../shape.ts";
import { nodeId, offset } from "./cluster-shapes.ts";
import type { OpModule } from "./op-module.ts";

export const brokerHeartbeatOp: OpModule<BrokerHeartbeatRequest, BrokerHeartbeatReply> = {
  versions: { min: 1, max: 1 },
  requestValidators: { 1: requestV1 },
  validateResponse: (shape, m) => ({
    fenced: shape.bool(m, "fenced", "body"),
    caughtUp: shape.bool(m, "caughtUp", "body"),
    shutdownReady: shape.bool(m, "shutdownReady", "body"),
  }),
};

function requestV1(body: unknown): BrokerHeartbeatRequest {
  const shape = new Shape("INVALID_REQUEST", "BrokerHeartbeat v1");
  const m = shape.map(body, "body");
  return {
    brokerId: nodeId(shape, m, "brokerId", "body"),
    incarnationId: shape.text(m, "incarnationId", "body"),
    appliedOffset: offset(shape, m, "appliedOffset", "body"),
    wantShutdown: shape.bool(m, "wantShutdown", "body"),
  };
}
