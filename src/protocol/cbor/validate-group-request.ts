// Request validators of the consumer-group operations (op codes 20-28, version 1). They check
// types and wire bounds only; the coordinator checks the rest (id lengths, timeouts, epochs)
// with the codes of docs/groups.md.

import type {
  GroupOpName,
  OffsetFetchTopic,
  Operations,
  RequestBody,
  ResetOffsetsToName,
  TopicPartitionsWire,
} from "./messages.ts";
import { ResetOffsetsTo } from "./messages.ts";
import { emptyRequestBody, PARTITION_MAX, requestNameList, Shape } from "./shape.ts";

const INT32_MAX = 0x7fff_ffff;
const SAFE = Number.MAX_SAFE_INTEGER;

export const GROUP_VALIDATORS: {
  [K in GroupOpName]: Record<number, (body: unknown) => Operations[K]["request"]>;
} = {
  FindCoordinator: { 1: findCoordinatorV1 },
  ConsumerGroupHeartbeat: { 1: heartbeatV1 },
  LeaveGroup: { 1: leaveGroupV1 },
  OffsetCommit: { 1: offsetCommitV1 },
  OffsetFetch: { 1: offsetFetchV1 },
  ListGroups: { 1: (body) => emptyRequestBody(body, "ListGroups v1") },
  DescribeGroups: { 1: (body) => ({ groupIds: groupIds(body, "DescribeGroups v1") }) },
  ResetOffsets: { 1: resetOffsetsV1 },
  DeleteGroups: { 1: (body) => ({ groupIds: groupIds(body, "DeleteGroups v1") }) },
};

function findCoordinatorV1(body: unknown): RequestBody<"FindCoordinator"> {
  const shape = new Shape("INVALID_REQUEST", "FindCoordinator v1");
  const m = shape.map(body, "body");
  return { groupId: shape.text(m, "groupId", "body") };
}

function heartbeatV1(body: unknown): RequestBody<"ConsumerGroupHeartbeat"> {
  const shape = new Shape("INVALID_REQUEST", "ConsumerGroupHeartbeat v1");
  const m = shape.map(body, "body");
  const out: RequestBody<"ConsumerGroupHeartbeat"> = {
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
      (v) => topicPartitionsList(shape, v, "body.ownedPartitions"),
    ),
  };
  return out;
}

function leaveGroupV1(body: unknown): RequestBody<"LeaveGroup"> {
  const shape = new Shape("INVALID_REQUEST", "LeaveGroup v1");
  const m = shape.map(body, "body");
  return {
    groupId: shape.text(m, "groupId", "body"),
    memberId: shape.text(m, "memberId", "body"),
    instanceId: shape.optText(m, "instanceId", "body") ?? null,
    staticLeave: shape.optBool(m, "staticLeave", "body") ?? false,
  };
}

function offsetCommitV1(body: unknown): RequestBody<"OffsetCommit"> {
  const shape = new Shape("INVALID_REQUEST", "OffsetCommit v1");
  const m = shape.map(body, "body");
  return {
    groupId: shape.text(m, "groupId", "body"),
    memberId: shape.text(m, "memberId", "body"),
    memberEpoch: shape.int(m, "memberEpoch", "body", -1, INT32_MAX),
    offsets: shape.list(m, "offsets", "body", (item, path) => {
      const o = shape.map(item, path);
      return {
        topic: shape.text(o, "topic", path),
        partition: shape.partition(o, "partition", path),
        offset: shape.int(o, "offset", path, 0, SAFE),
        leaderEpoch: shape.optInt(o, "leaderEpoch", path, -1, INT32_MAX) ?? null,
        metadata: shape.optText(o, "metadata", path) ?? null,
      };
    }),
  };
}

function offsetFetchV1(body: unknown): RequestBody<"OffsetFetch"> {
  const shape = new Shape("INVALID_REQUEST", "OffsetFetch v1");
  const m = shape.map(body, "body");
  const topics = shape.nullable(
    m,
    "topics",
    (v) =>
      shape.listValue(v, "body.topics", (item, path): OffsetFetchTopic => {
        const t = shape.map(item, path);
        return {
          topic: shape.text(t, "topic", path),
          partitions: shape.nullable(t, "partitions", (p) => partitionList(shape, p, path)),
        };
      }),
  );
  return {
    groupId: shape.text(m, "groupId", "body"),
    memberId: shape.optText(m, "memberId", "body") ?? null,
    memberEpoch: shape.optInt(m, "memberEpoch", "body", -1, INT32_MAX) ?? null,
    topics,
  };
}

function resetOffsetsV1(body: unknown): RequestBody<"ResetOffsets"> {
  const shape = new Shape("INVALID_REQUEST", "ResetOffsets v1");
  const m = shape.map(body, "body");
  const tos = Object.values(ResetOffsetsTo) as string[];
  const topics = shape.list(m, "topics", "body", (item, path) => {
    const t = shape.map(item, path);
    const to = shape.text(t, "to", path);
    if (!tos.includes(to)) shape.fail(`${path}.to`, `one of ${tos.join(", ")}`);
    const offset = shape.optInt(t, "offset", path, 0, SAFE) ?? null;
    const timestampMs = shape.optInt(t, "timestampMs", path, 0, SAFE) ?? null;
    if (to === ResetOffsetsTo.Offset && offset === null) shape.fail(`${path}.offset`, "set");
    if (to === ResetOffsetsTo.Timestamp && timestampMs === null) {
      shape.fail(`${path}.timestampMs`, "set");
    }
    return {
      topic: shape.text(t, "topic", path),
      partitions: shape.nullable(t, "partitions", (p) => partitionList(shape, p, path)),
      to: to as ResetOffsetsToName,
      offset,
      timestampMs,
    };
  });
  return {
    groupId: shape.text(m, "groupId", "body"),
    topics,
    dryRun: shape.optBool(m, "dryRun", "body") ?? false,
  };
}

function groupIds(body: unknown, what: string): string[] {
  return requestNameList(body, what, "groupIds");
}

function topicPartitionsList(shape: Shape, value: unknown, path: string): TopicPartitionsWire[] {
  return shape.listValue(value, path, (item, itemPath) => {
    const t = shape.map(item, itemPath);
    return {
      topic: shape.text(t, "topic", itemPath),
      partitions: partitionList(shape, t.partitions, itemPath),
    };
  });
}

function partitionList(shape: Shape, value: unknown, path: string): number[] {
  return shape.listValue(
    value,
    `${path}.partitions`,
    (p, pPath) => shape.intValue(p, pPath, 0, PARTITION_MAX),
  );
}
