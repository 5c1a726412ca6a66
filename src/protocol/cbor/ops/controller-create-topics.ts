// ControllerCreateTopics (op 46): a broker forwards a client's CreateTopics to the active
// controller, which assigns replicas and commits the topics (docs/protocol.md §6.28).
// Controller listener.
//
//   request v1  = {"topics": [* ForwardedTopic],          ; ≤ 10,000
//                  ? "validateOnly": bool}                ; default false: check, write nothing
//   ForwardedTopic = {"name": text,
//                  ? "partitions": int,                   ; [-1, 2^31 - 1]; -1: the default
//                  ? "replicationFactor": int,            ; [-1, 32,767]; -1: the default
//                  ? "configs": {* text => text} / null,
//                  ? "internal": bool}
//   response v1 = {"topics": [* ForwardedTopicResult], "committedOffset": int}   ; -1: none
//   ForwardedTopicResult = {"name": text, "error": WireError / null, "topicId": text / null}
//
// Errors: NOT_CONTROLLER; per topic TOPIC_ALREADY_EXISTS, INVALID_TOPIC_EXCEPTION,
// INVALID_PARTITIONS, INVALID_REPLICATION_FACTOR, INVALID_CONFIG.

import type { CreateTopicsForward, CreateTopicsForwardReply } from "../../../model/cluster.ts";
import { INT32_MAX, Shape } from "../shape.ts";
import { committedOffset, itemError } from "./cluster-shapes.ts";
import type { OpModule } from "./op-module.ts";

type ForwardedTopic = CreateTopicsForward["topics"][number];

export const controllerCreateTopicsOp: OpModule<CreateTopicsForward, CreateTopicsForwardReply> = {
  versions: { min: 1, max: 1 },
  requestValidators: { 1: requestV1 },
  validateResponse: (shape, m) => ({
    topics: shape.list(m, "topics", "body", (item, path) => {
      const t = shape.map(item, path);
      return {
        name: shape.text(t, "name", path),
        error: itemError(shape, t),
        topicId: shape.nullable(t, "topicId", (v) => shape.textValue(v, `${path}.topicId`)),
      };
    }),
    committedOffset: committedOffset(shape, m),
  }),
};

function requestV1(body: unknown): CreateTopicsForward {
  const shape = new Shape("INVALID_REQUEST", "ControllerCreateTopics v1");
  const m = shape.map(body, "body");
  const topics = shape.list(m, "topics", "body", (item, path) => {
    const t = shape.map(item, path);
    const topic: ForwardedTopic = { name: shape.text(t, "name", path) };
    const partitions = shape.optInt(t, "partitions", path, -1, INT32_MAX);
    const replicationFactor = shape.optInt(t, "replicationFactor", path, -1, 0x7fff);
    const internal = shape.optBool(t, "internal", path);
    if (partitions !== undefined) topic.partitions = partitions;
    if (replicationFactor !== undefined) topic.replicationFactor = replicationFactor;
    if (t.configs !== undefined && t.configs !== null) {
      topic.configs = shape.textMap(t, "configs", path);
    }
    if (internal !== undefined) topic.internal = internal;
    return topic;
  });
  const validateOnly = shape.optBool(m, "validateOnly", "body");
  return validateOnly === undefined ? { topics } : { topics, validateOnly };
}
