// DescribeGroups (op 26): members, epochs and assignments of named groups
// (docs/protocol.md §6.18).
//
//   request v1  = {"groupIds": [* text]}            ; ≤ 10,000 ids
//   response v1 = {"groups": [* {"groupId": text, "error": WireError / null,
//                                "group": Group / null}]}   ; one per id, in request order
//   Group  = {"groupId": text, "state": GroupState, "epoch": int, "assignor": text,
//             "members": [* Member]}
//   Member = {"memberId": text, "instanceId": text / null, "clientId": text,
//             "state": MemberState, "memberEpoch": int, "subscribedTopics": [* text],
//             "sessionTimeoutMs": uint, "rebalanceTimeoutMs": uint,
//             "assignment": [* TopicPartitions],          ; what it may own now
//             "pendingRevocation": [* TopicPartitions],   ; told to release, not yet confirmed
//             "targetAssignment": [* TopicPartitions]}    ; where the assignor wants it
//   MemberState = "stable" / "unrevokedPartitions" / "unreleasedPartitions" /
//                 "awaitingHeartbeat" / "staticLeft"
//
// GroupState and TopicPartitions: group-shapes.ts.

import { readWireError, type WireError } from "../envelope.ts";
import { requestNameList, type Shape } from "../shape.ts";
import {
  type GroupStateWire,
  readGroupState,
  readTopicPartitions,
  type TopicPartitionsWire,
} from "./group-shapes.ts";
import type { OpModule } from "./op-module.ts";

export interface DescribeGroupsRequestBody {
  groupIds: string[];
}

export type MemberStateWire =
  | "stable"
  | "unrevokedPartitions"
  | "unreleasedPartitions"
  | "awaitingHeartbeat"
  | "staticLeft";

const MEMBER_STATES: readonly string[] = [
  "stable",
  "unrevokedPartitions",
  "unreleasedPartitions",
  "awaitingHeartbeat",
  "staticLeft",
];

export interface MemberDescriptionWire {
  memberId: string;
  instanceId: string | null;
  clientId: string;
  state: MemberStateWire;
  memberEpoch: number;
  subscribedTopics: string[];
  sessionTimeoutMs: number;
  rebalanceTimeoutMs: number;
  /** What the member may own now. */
  assignment: TopicPartitionsWire[];
  /** Told to release, not yet confirmed. */
  pendingRevocation: TopicPartitionsWire[];
  /** Where the assignor wants the member to end up. */
  targetAssignment: TopicPartitionsWire[];
}

export interface GroupDescriptionWire {
  groupId: string;
  state: GroupStateWire;
  epoch: number;
  assignor: string;
  members: MemberDescriptionWire[];
}

export interface DescribeGroupsResponseBody {
  /** One per requested id, in request order. */
  groups: Array<{ groupId: string; error: WireError | null; group: GroupDescriptionWire | null }>;
}

export const describeGroupsOp: OpModule<DescribeGroupsRequestBody, DescribeGroupsResponseBody> = {
  versions: { min: 1, max: 1 },
  requestValidators: {
    1: (body) => ({ groupIds: requestNameList(body, "DescribeGroups v1", "groupIds") }),
  },
  validateResponse: (shape, m) => ({
    groups: shape.list(m, "groups", "body", (item, path) => {
      const g = shape.map(item, path);
      return {
        groupId: shape.text(g, "groupId", path),
        error: readWireError(shape, g.error),
        group: shape.nullable(g, "group", (v) => readGroupDescription(shape, v, `${path}.group`)),
      };
    }),
  }),
};

function readGroupDescription(shape: Shape, value: unknown, path: string): GroupDescriptionWire {
  const g = shape.map(value, path);
  return {
    groupId: shape.text(g, "groupId", path),
    state: readGroupState(shape, g, path),
    epoch: shape.safeInt(g, "epoch", path),
    assignor: shape.text(g, "assignor", path),
    members: shape.list(g, "members", path, (item, p) => readMemberDescription(shape, item, p)),
  };
}

function readMemberDescription(shape: Shape, value: unknown, path: string): MemberDescriptionWire {
  const m = shape.map(value, path);
  const state = shape.text(m, "state", path);
  if (!MEMBER_STATES.includes(state)) shape.fail(`${path}.state`, "a member state");
  return {
    memberId: shape.text(m, "memberId", path),
    instanceId: shape.optText(m, "instanceId", path) ?? null,
    clientId: shape.text(m, "clientId", path),
    state: state as MemberStateWire,
    memberEpoch: shape.safeInt(m, "memberEpoch", path),
    subscribedTopics: shape.list(m, "subscribedTopics", path, (t, p) => shape.textValue(t, p)),
    sessionTimeoutMs: shape.safeInt(m, "sessionTimeoutMs", path),
    rebalanceTimeoutMs: shape.safeInt(m, "rebalanceTimeoutMs", path),
    assignment: readTopicPartitions(shape, m, "assignment", path),
    pendingRevocation: readTopicPartitions(shape, m, "pendingRevocation", path),
    targetAssignment: readTopicPartitions(shape, m, "targetAssignment", path),
  };
}
