// FindCoordinator (op 20): the broker coordinating a consumer group (docs/protocol.md §6.12).
//
//   request v1  = {"groupId": text}
//   response v1 = {"coordinator": BrokerEndpoint,    ; topic-shapes.ts
//                  "offsetsPartition": uint}         ; its __consumer_offsets partition

import type { BrokerEndpoint } from "../../../model/descriptions.ts";
import { SAFE_INT_MAX, Shape } from "../shape.ts";
import type { OpModule } from "./op-module.ts";
import { readEndpoint } from "./topic-shapes.ts";

export interface FindCoordinatorRequestBody {
  groupId: string;
}

export interface FindCoordinatorResponseBody {
  /** The broker coordinating the group (always the one asked, on a single node). */
  coordinator: BrokerEndpoint;
  /** The `__consumer_offsets` partition holding the group's records. */
  offsetsPartition: number;
}

export const findCoordinatorOp: OpModule<FindCoordinatorRequestBody, FindCoordinatorResponseBody> =
  {
    versions: { min: 1, max: 1 },
    requestValidators: { 1: requestV1 },
    validateResponse: (shape, m) => ({
      coordinator: readEndpoint(shape, m.coordinator, "body.coordinator"),
      offsetsPartition: shape.int(m, "offsetsPartition", "body", 0, SAFE_INT_MAX),
    }),
  };

function requestV1(body: unknown): FindCoordinatorRequestBody {
  const shape = new Shape("INVALID_REQUEST", "FindCoordinator v1");
  const m = shape.map(body, "body");
  return { groupId: shape.text(m, "groupId", "body") };
}
