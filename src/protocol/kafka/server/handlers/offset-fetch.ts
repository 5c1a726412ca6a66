// OffsetFetch: a group's committed offsets, for the named partitions (-1 where nothing is
// committed, as Kafka answers, also for a group it does not know) or, with null topics, for
// every partition the group has committed. require_stable (v7+) needs nothing more: without
// transactions no commit is ever pending.

import type { GroupOffset } from "../../../../coordinator/types.ts";
import { kafkaErrorCode, NONE } from "../../error-codes.ts";
import {
  decodeOffsetFetchRequest,
  encodeOffsetFetchResponse,
  type OffsetFetchGroupResponse,
  type OffsetFetchPartition,
  type OffsetFetchRequestGroup,
} from "../../messages/offset-fetch.ts";
import type { KafkaReader } from "../../reader.ts";
import type { KafkaWriter } from "../../writer.ts";
import type { KafkaContext } from "../context.ts";
import { groupsOf } from "./group-backend.ts";

export async function offsetFetch(
  ctx: KafkaContext,
  r: KafkaReader,
  version: number,
  w: KafkaWriter,
): Promise<void> {
  const request = decodeOffsetFetchRequest(r, version);
  r.expectEnd(`OffsetFetch v${version}`);
  const groups = await Promise.all(request.groups.map((g) => fetchGroup(ctx, version, g)));
  encodeOffsetFetchResponse(w, version, { groups });
}

async function fetchGroup(
  ctx: KafkaContext,
  version: number,
  group: OffsetFetchRequestGroup,
): Promise<OffsetFetchGroupResponse> {
  let found: GroupOffset[];
  try {
    found = await groupsOf(ctx).fetchOffsets({
      groupId: group.groupId,
      topics: group.topics?.map((t) => ({ topic: t.name, partitions: t.partitionIndexes })) ??
        null,
    });
  } catch (err) {
    const errorCode = kafkaErrorCode(err);
    // Before v2 there is no group-level error code: each requested partition carries it.
    const topics = version >= 2 ? [] : (group.topics ?? []).map((t) => ({
      name: t.name,
      partitions: t.partitionIndexes.map((p) => ({ ...uncommitted(p), errorCode })),
    }));
    return { groupId: group.groupId, topics, errorCode };
  }
  const byPartition = new Map(found.map((o) => [`${o.partition}:${o.topic}`, o]));
  const requested = group.topics ?? committedTopics(found);
  return {
    groupId: group.groupId,
    errorCode: NONE,
    topics: requested.map((t) => ({
      name: t.name,
      partitions: t.partitionIndexes.map((p): OffsetFetchPartition => {
        const o = byPartition.get(`${p}:${t.name}`);
        if (o === undefined || o.offset === null) return uncommitted(p);
        return {
          partitionIndex: p,
          committedOffset: o.offset,
          committedLeaderEpoch: o.leaderEpoch ?? -1,
          metadata: o.metadata ?? "",
          errorCode: NONE,
        };
      }),
    })),
  };
}

/** The partitions with a committed offset, grouped by topic in the order they came. */
function committedTopics(
  found: GroupOffset[],
): Array<{ name: string; partitionIndexes: number[] }> {
  const topics = new Map<string, number[]>();
  for (const o of found) {
    if (o.offset === null) continue;
    const partitions = topics.get(o.topic) ?? [];
    partitions.push(o.partition);
    topics.set(o.topic, partitions);
  }
  return [...topics].map(([name, partitionIndexes]) => ({ name, partitionIndexes }));
}

function uncommitted(partitionIndex: number): OffsetFetchPartition {
  return {
    partitionIndex,
    committedOffset: -1,
    committedLeaderEpoch: -1,
    metadata: "",
    errorCode: NONE,
  };
}
