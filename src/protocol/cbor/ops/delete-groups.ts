// DeleteGroups (op 28), admin: delete empty groups and their offsets (docs/protocol.md §6.20).
//
//   request v1  = {"groupIds": [* text]}                                 ; ≤ 10,000 ids
//   response v1 = {"groups": [* {"groupId": text, "error": WireError / null}]}  ; request order

import { readWireError, type WireError } from "../envelope.ts";
import { requestNameList } from "../shape.ts";
import type { OpModule } from "./op-module.ts";

export interface DeleteGroupsRequestBody {
  groupIds: string[];
}

export interface DeleteGroupsResponseBody {
  groups: Array<{ groupId: string; error: WireError | null }>;
}

export const deleteGroupsOp: OpModule<DeleteGroupsRequestBody, DeleteGroupsResponseBody> = {
  versions: { min: 1, max: 1 },
  requestValidators: {
    1: (body) => ({ groupIds: requestNameList(body, "DeleteGroups v1", "groupIds") }),
  },
  validateResponse: (shape, m) => ({
    groups: shape.list(m, "groups", "body", (item, path) => {
      const g = shape.map(item, path);
      return { groupId: shape.text(g, "groupId", path), error: readWireError(shape, g.error) };
    }),
  }),
};
