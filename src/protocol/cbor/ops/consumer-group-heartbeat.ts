// ConsumerGroupHeartbeat (op 21): join, heartbeat and leave in one operation; returns the
// member's assignment (docs/protocol.md §6.13, docs/groups.md).
//
//   request v1  = {"groupId": text,
//                  "memberId": text,                   ; "" to join as a new member
//                  "memberEpoch": int,                 ; [-2, 2^31 - 1]: 0 join, -1 leave,
//                                                      ; -2 static leave, > 0 heartbeat
//                  ? "instanceId": text / null,        ; static membership
//                  ? "clientId": text / null,
//                  ? "subscribedTopics": [* text] / null,   ; needed when joining
//                  ? "sessionTimeoutMs": uint / null,       ; [0, 2^31 - 1] on the wire
//                  ? "rebalanceTimeoutMs": uint / null,     ; [0, 2^31 - 1]
//                  ? "assignor": text / null,               ; "sticky", "range", "round-robin"
//                  ? "ownedPartitions": [* TopicPartitions] / null}   ; null: not reported
//   response v1 = {"memberId": text, "memberEpoch": int,    ; -1 / -2 after a leave
//                  "heartbeatIntervalMs": uint,
//                  "assignment": [* TopicPartitions]}       ; everything it may own now
//
// TopicPartitions: group-shapes.ts.

import { INT32_MAX, SAFE_INT_MAX, Shape } from "../shape.ts";
import {
  readTopicPartitions,
  requestTopicPartitions,
  type TopicPartitionsWire,
} from "./group-shapes.ts";
import type { OpModule } from "./op-module.ts";

/** ConsumerGroupHeartbeat `memberEpoch` values with a special meaning. */
export const GroupMemberEpoch = { Join: 0, Leave: -1, StaticLeave: -2 } as const;

export interface ConsumerGroupHeartbeatRequestBody {
  groupId: string;
  /** "" to join as a new member; the id the broker returned afterwards. */
  memberId: string;
  /** 0 join (or rejoin owning nothing), -1 leave, -2 static leave, > 0 heartbeat. */
  memberEpoch: number;
  /** Static membership: the same id across restarts of one consumer instance. */
  instanceId?: string | null;
  clientId?: string | null;
  /** Required when joining; null or absent afterwards means unchanged. */
  subscribedTopics?: string[] | null;
  sessionTimeoutMs?: number | null;
  rebalanceTimeoutMs?: number | null;
  /** "sticky" (default), "range" or "round-robin"; honoured when the group is empty. */
  assignor?: string | null;
  /** Everything the member owns now; null or absent: not reported (never completes a revocation). */
  ownedPartitions?: TopicPartitionsWire[] | null;
}

export interface ConsumerGroupHeartbeatResponseBody {
  memberId: string;
  /** -1 or -2 after a leave. */
  memberEpoch: number;
  heartbeatIntervalMs: number;
  /** Everything the member may own now; owned partitions not listed must be released. */
  assignment: TopicPartitionsWire[];
}

export const consumerGroupHeartbeatOp: OpModule<
  ConsumerGroupHeartbeatRequestBody,
  ConsumerGroupHeartbeatResponseBody
> = {
  versions: { min: 1, max: 1 },
  requestValidators: { 1: requestV1 },
  validateResponse: (shape, m) => ({
    memberId: shape.text(m, "memberId", "body"),
    memberEpoch: shape.safeInt(m, "memberEpoch", "body"),
    heartbeatIntervalMs: shape.int(m, "heartbeatIntervalMs", "body", 0, SAFE_INT_MAX),
    assignment: readTopicPartitions(shape, m, "assignment", "body"),
  }),
};

function requestV1(body: unknown): ConsumerGroupHeartbeatRequestBody {
  const shape = new Shape("INVALID_REQUEST", "ConsumerGroupHeartbeat v1");
  const m = shape.map(body, "body");
  const out: ConsumerGroupHeartbeatRequestBody = {
    groupId: shape.text(m, "groupId", "body"),
    memberId: shape.text(m, "memberId", "body"),
    memberEpoch: shape.int(m, "memberEpoch", "body", -2, INT32_MAX),
    instanceId: shape.optText(m, "instanceId", "body") ?? null,
    clientId: shape.optText(m, "clientId", "body") ?? null,
    subscribedTopics: shape.nullable(
      m,
      "subscribedTopics",
      (v) => shape.listValue(v, "body.subscribedTopics", (t, path) => shape.textValue(t, path)),
    ),
    sessionTimeoutMs: shape.optInt(m, "sessionTimeoutMs", "body", 0, INT32_MAX) ?? null,
    rebalanceTimeoutMs: shape.optInt(m, "rebalanceTimeoutMs", "body", 0, INT32_MAX) ?? null,
    assignor: shape.optText(m, "assignor", "body") ?? null,
    ownedPartitions: shape.nullable(
      m,
      "ownedPartitions",
      (v) => requestTopicPartitions(shape, v, "body.ownedPartitions"),
    ),
  };
  return out;
}
