// DescribeTopics (op 5): configs and partition state of named topics (docs/protocol.md §6.5).
//
//   request v1  = {"topics": [* text]}            ; ≤ 10,000 names
//   response v1 = {"topics": [* TopicResult]}     ; as CreateTopics; TopicResult: topic-shapes.ts

import { requestNameList } from "../shape.ts";
import type { OpModule } from "./op-module.ts";
import { readTopicResults, type TopicResult } from "./topic-shapes.ts";

export interface DescribeTopicsRequest {
  topics: string[];
}

export interface DescribeTopicsResponse {
  topics: TopicResult[];
}

export const describeTopicsOp: OpModule<DescribeTopicsRequest, DescribeTopicsResponse> = {
  versions: { min: 1, max: 1 },
  requestValidators: {
    1: (body) => ({ topics: requestNameList(body, "DescribeTopics v1", "topics") }),
  },
  validateResponse: (shape, m) => ({ topics: readTopicResults(shape, m) }),
};
