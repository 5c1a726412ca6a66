// ControllerAlterConfigs (op 53): replace a topic's explicit configs, on the active controller
// (Kafka's AlterConfigs / IncrementalAlterConfigs, which the asking broker turns into the whole
// new set; docs/protocol.md §6.35). Controller listener.
//
//   request v1  = {"topic": text, "configs": {* text => text}}   ; the whole new set
//   response v1 = {"committedOffset": int}
//
// Errors: NOT_CONTROLLER, UNKNOWN_TOPIC_OR_PARTITION, INVALID_CONFIG, INVALID_TOPIC_EXCEPTION.

import type { ControllerService } from "../../../model/cluster.ts";
import { Shape } from "../shape.ts";
import { committedOffset } from "./cluster-shapes.ts";
import type { OpModule } from "./op-module.ts";

export type ControllerAlterConfigsRequest = Parameters<ControllerService["alterTopicConfigs"]>[0];
export type ControllerAlterConfigsResponse = Awaited<
  ReturnType<ControllerService["alterTopicConfigs"]>
>;

export const controllerAlterConfigsOp: OpModule<
  ControllerAlterConfigsRequest,
  ControllerAlterConfigsResponse
> = {
  versions: { min: 1, max: 1 },
  requestValidators: { 1: requestV1 },
  validateResponse: (shape, m) => ({ committedOffset: committedOffset(shape, m) }),
};

function requestV1(body: unknown): ControllerAlterConfigsRequest {
  const shape = new Shape("INVALID_REQUEST", "ControllerAlterConfigs v1");
  const m = shape.map(body, "body");
  return {
    topic: shape.text(m, "topic", "body"),
    configs: shape.textMap(m, "configs", "body"),
  };
}
