// ElectLeaders (op 50): preferred-leader election on the active controller (KIP-460;
// docs/protocol.md §6.32). Controller listener.
//
//   request v1  = {? "partitions": [* {"topic": text, "partition": uint}] / null}
//                                                         ; absent or null: every partition
//   response v1 = {"committedOffset": int}                ; -1: no leader moved
//
// Errors: NOT_CONTROLLER, UNKNOWN_TOPIC_OR_PARTITION.

import type { ControllerService } from "../../../model/cluster.ts";
import { Shape } from "../shape.ts";
import { committedOffset } from "./cluster-shapes.ts";
import type { OpModule } from "./op-module.ts";

export type ElectLeadersRequest = Parameters<ControllerService["electLeaders"]>[0];
export type ElectLeadersResponse = Awaited<ReturnType<ControllerService["electLeaders"]>>;

export const electLeadersOp: OpModule<ElectLeadersRequest, ElectLeadersResponse> = {
  versions: { min: 1, max: 1 },
  requestValidators: { 1: requestV1 },
  validateResponse: (shape, m) => ({ committedOffset: committedOffset(shape, m) }),
};

function requestV1(body: unknown): ElectLeadersRequest {
  const shape = new Shape("INVALID_REQUEST", "ElectLeaders v1");
  const m = shape.map(body, "body");
  if (m.partitions === undefined || m.partitions === null) return {};
  return {
    partitions: shape.list(m, "partitions", "body", (item, path) => {
      const p = shape.map(item, path);
      return {
        topic: shape.text(p, "topic", path),
        partition: shape.partition(p, "partition", path),
      };
    }),
  };
}
