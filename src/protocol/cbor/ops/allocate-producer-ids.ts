// AllocateProducerIds (op 49): a broker reserves a block of producer ids on the active
// controller (KIP-730; docs/protocol.md §6.31). Controller listener.
//
//   request v1  = {"brokerId": uint,                      ; [0, 2^31 - 1]
//                  "count": uint}                         ; [1, 2^31 - 1]
//   response v1 = {"start": uint, "committedOffset": int} ; ids start .. start + count - 1
//
// Errors: NOT_CONTROLLER, BROKER_ID_NOT_REGISTERED, STALE_BROKER_EPOCH.

import type { ControllerService } from "../../../model/cluster.ts";
import { INT32_MAX, SAFE_INT_MAX, Shape } from "../shape.ts";
import { committedOffset, nodeId } from "./cluster-shapes.ts";
import type { OpModule } from "./op-module.ts";

export type AllocateProducerIdsRequest = Parameters<ControllerService["allocateProducerIds"]>[0];
export type AllocateProducerIdsResponse = Awaited<
  ReturnType<ControllerService["allocateProducerIds"]>
>;

export const allocateProducerIdsOp: OpModule<
  AllocateProducerIdsRequest,
  AllocateProducerIdsResponse
> = {
  versions: { min: 1, max: 1 },
  requestValidators: { 1: requestV1 },
  validateResponse: (shape, m) => ({
    start: shape.int(m, "start", "body", 0, SAFE_INT_MAX),
    committedOffset: committedOffset(shape, m),
  }),
};

function requestV1(body: unknown): AllocateProducerIdsRequest {
  const shape = new Shape("INVALID_REQUEST", "AllocateProducerIds v1");
  const m = shape.map(body, "body");
  return {
    brokerId: nodeId(shape, m, "brokerId", "body"),
    count: shape.int(m, "count", "body", 1, INT32_MAX),
  };
}
