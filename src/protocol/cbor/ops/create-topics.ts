// CreateTopics (op 3): create topics (docs/protocol.md §6.3).
//
//   request v1  = {"topics": [* CreateTopic]}             ; ≤ 10,000 entries
//   CreateTopic = {"name": text,
//                  ? "partitions": int,                   ; [-1, 2^31 - 1], default -1
//                  ? "replicationFactor": int,            ; [-1, 32,767], default -1
//                  ? "configs": {* text => text} / null}  ; Kafka names, default {}
//   response v1 = {"topics": [* TopicResult]}             ; one per requested topic, in order
//
// The broker checks names, counts and configs per topic (TOPIC_ALREADY_EXISTS,
// INVALID_TOPIC_EXCEPTION, INVALID_PARTITIONS, ...). TopicResult: topic-shapes.ts.

import type { CreateTopicRequest } from "../../../model/create-topic.ts";
import { INT32_MAX, Shape } from "../shape.ts";
import type { OpModule } from "./op-module.ts";
import { readTopicResults, type TopicResult } from "./topic-shapes.ts";

export interface CreateTopicsRequest {
  topics: CreateTopicRequest[];
}

export interface CreateTopicsResponse {
  topics: TopicResult[];
}

export const createTopicsOp: OpModule<CreateTopicsRequest, CreateTopicsResponse> = {
  versions: { min: 1, max: 1 },
  requestValidators: { 1: requestV1 },
  validateResponse: (shape, m) => ({ topics: readTopicResults(shape, m) }),
};

function requestV1(body: unknown): CreateTopicsRequest {
  const shape = new Shape("INVALID_REQUEST", "CreateTopics v1");
  const m = shape.map(body, "body");
  const topics = shape.list(m, "topics", "body", (item, path) => {
    const t = shape.map(item, path);
    const topic: CreateTopicRequest = { name: shape.text(t, "name", path) };
    const partitions = shape.optInt(t, "partitions", path, -1, INT32_MAX);
    const replicationFactor = shape.optInt(t, "replicationFactor", path, -1, 0x7fff);
    if (partitions !== undefined) topic.partitions = partitions;
    if (replicationFactor !== undefined) topic.replicationFactor = replicationFactor;
    if (t.configs !== undefined && t.configs !== null) {
      topic.configs = shape.textMap(t, "configs", path);
    }
    return topic;
  });
  return { topics };
}
