// DeleteTopics (op 4): delete topics (docs/protocol.md §6.4).
//
//   request v1  = {"topics": [* text]}                            ; ≤ 10,000 names
//   response v1 = {"topics": [* {"name": text, "error": WireError / null}]}   ; in request order

import { readWireError, type WireError } from "../envelope.ts";
import { requestNameList } from "../shape.ts";
import type { OpModule } from "./op-module.ts";

export interface DeleteTopicsRequest {
  topics: string[];
}

export interface DeleteTopicsResponse {
  topics: Array<{ name: string; error: WireError | null }>;
}

export const deleteTopicsOp: OpModule<DeleteTopicsRequest, DeleteTopicsResponse> = {
  versions: { min: 1, max: 1 },
  requestValidators: {
    1: (body) => ({ topics: requestNameList(body, "DeleteTopics v1", "topics") }),
  },
  validateResponse: (shape, m) => ({
    topics: shape.list(m, "topics", "body", (item, path) => {
      const t = shape.map(item, path);
      return { name: shape.text(t, "name", path), error: readWireError(shape, t.error) };
    }),
  }),
};
