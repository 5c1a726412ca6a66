// ListGroups (op 25): every group, its state and size (docs/protocol.md §6.17).
//
//   request v1   = {}                                ; any map; its keys are ignored
//   response v1  = {"groups": [* GroupListing]}      ; by group id
//   GroupListing = {"groupId": text, "state": GroupState, "epoch": int, "assignor": text,
//                   "memberCount": uint}
//
// GroupState: group-shapes.ts.

import { emptyRequestBody } from "../shape.ts";
import { type GroupStateWire, readGroupState } from "./group-shapes.ts";
import type { OpModule } from "./op-module.ts";

export type ListGroupsRequestBody = Record<string, never>;

export interface GroupListingWire {
  groupId: string;
  state: GroupStateWire;
  epoch: number;
  assignor: string;
  memberCount: number;
}

export interface ListGroupsResponseBody {
  groups: GroupListingWire[];
}

export const listGroupsOp: OpModule<ListGroupsRequestBody, ListGroupsResponseBody> = {
  versions: { min: 1, max: 1 },
  requestValidators: { 1: (body) => emptyRequestBody(body, "ListGroups v1") },
  validateResponse: (shape, m) => ({
    groups: shape.list(m, "groups", "body", (item, path) => {
      const g = shape.map(item, path);
      return {
        groupId: shape.text(g, "groupId", path),
        state: readGroupState(shape, g, path),
        epoch: shape.safeInt(g, "epoch", path),
        assignor: shape.text(g, "assignor", path),
        memberCount: shape.safeInt(g, "memberCount", path),
      };
    }),
  }),
};
