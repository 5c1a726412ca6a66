// OffsetCommit: generation -1 with member "" is a simple commit (a consumer that assigns its
// own partitions, or an admin), which the group service takes while the group has no members;
// anything else is a classic member's, checked against its generation. A partition the broker
// does not have gets UNKNOWN_TOPIC_OR_PARTITION on its own and the rest are still committed,
// as Kafka does; a group-level error (NOT_COORDINATOR, ILLEGAL_GENERATION, ...) goes on every
// partition. retention_time_ms (v2-v4) is not honoured: the broker's offsets retention applies.

import type { BrokerApi } from "../../../../broker/types.ts";
import { KafkaError, kafkaErrorCode, NONE } from "../../error-codes.ts";
import {
  decodeOffsetCommitRequest,
  encodeOffsetCommitResponse,
  type OffsetCommitRequest,
} from "../../messages/offset-commit.ts";
import type { KafkaReader } from "../../reader.ts";
import type { KafkaWriter } from "../../writer.ts";
import type { KafkaContext } from "../context.ts";
import { classicOf, groupsOf } from "./group-backend.ts";

interface Offset {
  topic: string;
  partition: number;
  offset: number;
  leaderEpoch: number | null;
  metadata: string | null;
}

export async function offsetCommit(
  ctx: KafkaContext,
  r: KafkaReader,
  version: number,
  w: KafkaWriter,
): Promise<void> {
  const request = decodeOffsetCommitRequest(r, version);
  r.expectEnd(`OffsetCommit v${version}`);
  const errors = new Map<string, number>();
  const key = (topic: string, partition: number) => `${partition}:${topic}`;
  const offsets: Offset[] = [];
  for (const t of request.topics) {
    const topic = partitionCountOf(ctx.broker, t.name);
    for (const p of t.partitions) {
      const errorCode = topic.errorCode !== NONE
        ? topic.errorCode
        : p.partitionIndex < 0 || p.partitionIndex >= topic.partitionCount
        ? KafkaError.UNKNOWN_TOPIC_OR_PARTITION
        : NONE;
      if (errorCode !== NONE) {
        errors.set(key(t.name, p.partitionIndex), errorCode);
        continue;
      }
      offsets.push({
        topic: t.name,
        partition: p.partitionIndex,
        offset: p.committedOffset,
        leaderEpoch: p.committedLeaderEpoch < 0 ? null : p.committedLeaderEpoch,
        metadata: p.committedMetadata,
      });
    }
  }
  let groupError = NONE;
  if (offsets.length > 0) {
    try {
      await commit(ctx, request, offsets);
    } catch (err) {
      groupError = kafkaErrorCode(err);
    }
  }
  encodeOffsetCommitResponse(w, version, {
    topics: request.topics.map((t) => ({
      name: t.name,
      partitions: t.partitions.map((p) => ({
        partitionIndex: p.partitionIndex,
        errorCode: errors.get(key(t.name, p.partitionIndex)) ?? groupError,
      })),
    })),
  });
}

function commit(ctx: KafkaContext, request: OffsetCommitRequest, offsets: Offset[]) {
  if (request.generationId < 0 && request.memberId === "") {
    return groupsOf(ctx).commitOffsets({
      groupId: request.groupId,
      memberId: "",
      memberEpoch: -1,
      offsets,
    });
  }
  return classicOf(ctx).commitOffsetsClassic({
    groupId: request.groupId,
    generationId: request.generationId,
    memberId: request.memberId,
    groupInstanceId: request.groupInstanceId,
    offsets,
  });
}

/** A topic the broker does not have (or an invalid name) fails all its partitions. */
function partitionCountOf(
  broker: BrokerApi,
  topic: string,
): { partitionCount: number; errorCode: number } {
  try {
    return { partitionCount: broker.describeTopic(topic).partitions.length, errorCode: NONE };
  } catch (err) {
    return { partitionCount: 0, errorCode: kafkaErrorCode(err) };
  }
}
