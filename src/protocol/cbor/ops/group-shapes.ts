// Shapes the consumer-group operations (op codes 20-28) share (docs/protocol.md §6.11):
//
//   TopicPartitions = {"topic": text, "partitions": [* uint]}   ; each in [0, 2^31 - 1]
//   GroupState      = "empty" / "assigning" / "reconciling" / "stable" / "dead"
//
// Membership follows Kafka's KIP-848 protocol: the broker assigns partitions and returns them in
// heartbeat responses. Partition sets in responses have topics ascending and partitions
// ascending and unique; requests may use any order. The request validators check types and wire
// bounds only; the coordinator checks the rest (id lengths, timeouts, epochs) with the codes of
// docs/groups.md.

import { type CborMap, PARTITION_MAX, type Shape } from "../shape.ts";

export interface TopicPartitionsWire {
  topic: string;
  partitions: number[];
}

export type GroupStateWire = "empty" | "assigning" | "reconciling" | "stable" | "dead";

const GROUP_STATES: readonly string[] = ["empty", "assigning", "reconciling", "stable", "dead"];

/** A request's [TopicPartitions] value. */
export function requestTopicPartitions(
  shape: Shape,
  value: unknown,
  path: string,
): TopicPartitionsWire[] {
  return shape.listValue(value, path, (item, itemPath) => {
    const t = shape.map(item, itemPath);
    return {
      topic: shape.text(t, "topic", itemPath),
      partitions: requestPartitionList(shape, t.partitions, itemPath),
    };
  });
}

/** A request's `partitions` list under `path`: partition numbers. */
export function requestPartitionList(shape: Shape, value: unknown, path: string): number[] {
  return shape.listValue(
    value,
    `${path}.partitions`,
    (p, pPath) => shape.intValue(p, pPath, 0, PARTITION_MAX),
  );
}

/** A response's [TopicPartitions] field. */
export function readTopicPartitions(
  shape: Shape,
  m: CborMap,
  key: string,
  path: string,
): TopicPartitionsWire[] {
  return shape.list(m, key, path, (item, itemPath) => {
    const t = shape.map(item, itemPath);
    return {
      topic: shape.text(t, "topic", itemPath),
      partitions: shape.intList(t, "partitions", itemPath),
    };
  });
}

/** A response's `state` field of a group. */
export function readGroupState(shape: Shape, m: CborMap, path: string): GroupStateWire {
  const state = shape.text(m, "state", path);
  if (!GROUP_STATES.includes(state)) shape.fail(`${path}.state`, "a group state");
  return state as GroupStateWire;
}
