// Response validators of the consumer-group operations, for the client: a response that does
// not match its operation's shape fails with UNKNOWN_SERVER_ERROR.

import { readWireError } from "./envelope.ts";
import type {
  GroupDescriptionWire,
  GroupOpName,
  GroupStateWire,
  MemberDescriptionWire,
  MemberStateWire,
  Operations,
  TopicPartitionsWire,
} from "./messages.ts";
import type { CborMap, Shape } from "./shape.ts";

const SAFE = Number.MAX_SAFE_INTEGER;

const GROUP_STATES: readonly string[] = ["empty", "assigning", "reconciling", "stable", "dead"];
const MEMBER_STATES: readonly string[] = [
  "stable",
  "unrevokedPartitions",
  "unreleasedPartitions",
  "awaitingHeartbeat",
  "staticLeft",
];

export const GROUP_RESPONSE_VALIDATORS: {
  [K in GroupOpName]: (shape: Shape, m: CborMap) => Operations[K]["response"];
} = {
  FindCoordinator: (shape, m) => {
    const c = shape.map(m.coordinator, "body.coordinator");
    const coordinator: Operations["FindCoordinator"]["response"]["coordinator"] = {
      nodeId: shape.safeInt(c, "nodeId", "body.coordinator"),
      host: shape.text(c, "host", "body.coordinator"),
      port: shape.int(c, "port", "body.coordinator", 0, 65535),
    };
    const httpPort = shape.optInt(c, "httpPort", "body.coordinator", 0, 65535);
    if (httpPort !== undefined) coordinator.httpPort = httpPort;
    return { coordinator, offsetsPartition: shape.int(m, "offsetsPartition", "body", 0, SAFE) };
  },
  ConsumerGroupHeartbeat: (shape, m) => ({
    memberId: shape.text(m, "memberId", "body"),
    memberEpoch: shape.safeInt(m, "memberEpoch", "body"),
    heartbeatIntervalMs: shape.int(m, "heartbeatIntervalMs", "body", 0, SAFE),
    assignment: partitions(shape, m, "assignment", "body"),
  }),
  LeaveGroup: () => ({}),
  OffsetCommit: () => ({}),
  OffsetFetch: (shape, m) => ({
    offsets: shape.list(m, "offsets", "body", (item, path) => {
      const o = shape.map(item, path);
      return {
        topic: shape.text(o, "topic", path),
        partition: shape.safeInt(o, "partition", path),
        offset: optInt(shape, o, "offset", path),
        leaderEpoch: optInt(shape, o, "leaderEpoch", path),
        metadata: shape.optText(o, "metadata", path) ?? null,
        commitTimestampMs: optInt(shape, o, "commitTimestampMs", path),
        highWatermark: optInt(shape, o, "highWatermark", path),
        lag: optInt(shape, o, "lag", path),
      };
    }),
  }),
  ListGroups: (shape, m) => ({
    groups: shape.list(m, "groups", "body", (item, path) => {
      const g = shape.map(item, path);
      return {
        groupId: shape.text(g, "groupId", path),
        state: groupState(shape, g, path),
        epoch: shape.safeInt(g, "epoch", path),
        assignor: shape.text(g, "assignor", path),
        memberCount: shape.safeInt(g, "memberCount", path),
      };
    }),
  }),
  DescribeGroups: (shape, m) => ({
    groups: shape.list(m, "groups", "body", (item, path) => {
      const g = shape.map(item, path);
      return {
        groupId: shape.text(g, "groupId", path),
        error: readWireError(shape, g.error),
        group: shape.nullable(g, "group", (v) => groupDescription(shape, v, `${path}.group`)),
      };
    }),
  }),
  ResetOffsets: (shape, m) => ({
    offsets: shape.list(m, "offsets", "body", (item, path) => {
      const o = shape.map(item, path);
      return {
        topic: shape.text(o, "topic", path),
        partition: shape.safeInt(o, "partition", path),
        offset: shape.safeInt(o, "offset", path),
      };
    }),
  }),
  DeleteGroups: (shape, m) => ({
    groups: shape.list(m, "groups", "body", (item, path) => {
      const g = shape.map(item, path);
      return { groupId: shape.text(g, "groupId", path), error: readWireError(shape, g.error) };
    }),
  }),
};

function optInt(shape: Shape, m: CborMap, key: string, path: string): number | null {
  return shape.optInt(m, key, path, -SAFE, SAFE) ?? null;
}

function partitions(shape: Shape, m: CborMap, key: string, path: string): TopicPartitionsWire[] {
  return shape.list(m, key, path, (item, itemPath) => {
    const t = shape.map(item, itemPath);
    return {
      topic: shape.text(t, "topic", itemPath),
      partitions: shape.intList(t, "partitions", itemPath),
    };
  });
}

function groupState(shape: Shape, m: CborMap, path: string): GroupStateWire {
  const state = shape.text(m, "state", path);
  if (!GROUP_STATES.includes(state)) shape.fail(`${path}.state`, "a group state");
  return state as GroupStateWire;
}

function groupDescription(shape: Shape, value: unknown, path: string): GroupDescriptionWire {
  const g = shape.map(value, path);
  return {
    groupId: shape.text(g, "groupId", path),
    state: groupState(shape, g, path),
    epoch: shape.safeInt(g, "epoch", path),
    assignor: shape.text(g, "assignor", path),
    members: shape.list(g, "members", path, (item, p) => memberDescription(shape, item, p)),
  };
}

function memberDescription(shape: Shape, value: unknown, path: string): MemberDescriptionWire {
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
    assignment: partitions(shape, m, "assignment", path),
    pendingRevocation: partitions(shape, m, "pendingRevocation", path),
    targetAssignment: partitions(shape, m, "targetAssignment", path),
  };
}
