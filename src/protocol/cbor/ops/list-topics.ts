// ListTopics (op 6): names and sizes of all topics (docs/protocol.md §6.6).
//
//   request v1   = {}                             ; any map; its keys are ignored
//   response v1  = {"topics": [* TopicSummary]}
//   TopicSummary = {"name": text, "partitions": uint, "replicationFactor": uint, "internal": bool}
//
// The client takes an absent "internal" as false.

import type { TopicSummary } from "../../../model/descriptions.ts";
import { emptyRequestBody, type Shape } from "../shape.ts";
import type { OpModule } from "./op-module.ts";

export type ListTopicsRequest = Record<string, never>;

export interface ListTopicsResponse {
  topics: TopicSummary[];
}

export const listTopicsOp: OpModule<ListTopicsRequest, ListTopicsResponse> = {
  versions: { min: 1, max: 1 },
  requestValidators: { 1: (body) => emptyRequestBody(body, "ListTopics v1") },
  validateResponse: (shape, m) => ({
    topics: shape.list(m, "topics", "body", (item, path) => readTopicSummary(shape, item, path)),
  }),
};

function readTopicSummary(shape: Shape, item: unknown, path: string): TopicSummary {
  const t = shape.map(item, path);
  return {
    name: shape.text(t, "name", path),
    partitions: shape.safeInt(t, "partitions", path),
    replicationFactor: shape.safeInt(t, "replicationFactor", path),
    internal: shape.optBool(t, "internal", path) ?? false,
  };
}
