// ControllerDeleteTopics (op 47): a broker forwards a client's DeleteTopics to the active
// controller (docs/protocol.md §6.29). Controller listener.
//
//   request v1  = {"names": [* text]}                     ; ≤ 10,000
//   response v1 = {"topics": [* {"name": text, "error": WireError / null}],
//                  "committedOffset": int}                ; -1: nothing was written
//
// Errors: NOT_CONTROLLER; per topic UNKNOWN_TOPIC_OR_PARTITION, INVALID_TOPIC_EXCEPTION.

import type { ControllerService } from "../../../model/cluster.ts";
import { requestNameList } from "../shape.ts";
import { committedOffset, itemError } from "./cluster-shapes.ts";
import type { OpModule } from "./op-module.ts";

export type ControllerDeleteTopicsRequest = Parameters<ControllerService["deleteTopics"]>[0];
export type ControllerDeleteTopicsResponse = Awaited<ReturnType<ControllerService["deleteTopics"]>>;

export const controllerDeleteTopicsOp: OpModule<
  ControllerDeleteTopicsRequest,
  ControllerDeleteTopicsResponse
> = {
  versions: { min: 1, max: 1 },
  requestValidators: {
    1: (body) => ({ names: requestNameList(body, "ControllerDeleteTopics v1", "names") }),
  },
  validateResponse: (shape, m) => ({
    topics: shape.list(m, "topics", "body", (item, path) => {
      const t = shape.map(item, path);
      return { name: shape.text(t, "name", path), error: itemError(shape, t) };
    }),
    committedOffset: committedOffset(shape, m),
  }),
};
