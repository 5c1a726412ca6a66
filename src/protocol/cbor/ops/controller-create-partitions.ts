// ControllerCreatePartitions (op 48): grow a topic to `count` partitions, on the active
// controller (Kafka's CreatePartitions; docs/protocol.md §6.30). Controller listener.
//
//   request v1  = {"topic": text, "count": uint}          ; [1, 2^31 - 1], the new total
//   response v1 = {"committedOffset": int}
//
// Errors: NOT_CONTROLLER, UNKNOWN_TOPIC_OR_PARTITION, INVALID_PARTITIONS (not more than today).

import type { ControllerService } from "../../../model/cluster.ts";
import { INT32_MAX, Shape } from "../shape.ts";
import { committedOffset } from "./cluster-shapes.ts";
import type { OpModule } from "./op-module.ts";

export type ControllerCreatePartitionsRequest = Parameters<
  ControllerService["createPartitions"]
>[0];
export type ControllerCreatePartitionsResponse = Awaited<
  ReturnType<ControllerService["createPartitions"]>
>;

export const controllerCreatePartitionsOp: OpModule<
  ControllerCreatePartitionsRequest,
  ControllerCreatePartitionsResponse
> = {
  versions: { min: 1, max: 1 },
  requestValidators: { 1: requestV1 },
  validateResponse: (shape, m) => ({ committedOffset: committedOffset(shape, m) }),
};

function requestV1(body: unknown): ControllerCreatePartitionsRequest {
  const shape = new Shape("INVALID_REQUEST", "ControllerCreatePartitions v1");
  const m = shape.map(body, "body");
  return {
    topic: shape.text(m, "topic", "body"),
    count: shape.int(m, "count", "body", 1, INT32_MAX),
  };
}
