// OffsetForLeaderEpoch: for each partition, where the asked leader epoch ended in the leader's
// log (the broker's leader-epoch cache; KIP-320 consumers use it to detect truncation after a
// leader change). The current leader epoch, when given, is checked as Fetch checks it
// (FENCED_LEADER_EPOCH / UNKNOWN_LEADER_EPOCH). Followers' requests (replica_id >= 0) are not
// served here: replication has its own channel.

import { TributaryError } from "../../../../model/errors.ts";
import { NONE } from "../../error-codes.ts";
import {
  decodeOffsetForLeaderEpochRequest,
  encodeOffsetForLeaderEpochResponse,
  type EpochEndOffsetResult,
} from "../../messages/offset-for-leader-epoch.ts";
import type { KafkaReader } from "../../reader.ts";
import type { KafkaWriter } from "../../writer.ts";
import type { KafkaContext } from "../context.ts";
import { itemError, unsupported } from "./admin-errors.ts";

export function offsetForLeaderEpoch(
  ctx: KafkaContext,
  r: KafkaReader,
  version: number,
  w: KafkaWriter,
): void {
  const request = decodeOffsetForLeaderEpochRequest(r, version);
  r.expectEnd(`OffsetForLeaderEpoch v${version}`);
  const topics = request.topics.map((t) => ({
    topic: t.topic,
    partitions: t.partitions.map((p): EpochEndOffsetResult => {
      try {
        if (ctx.admin === undefined) throw unsupported("OffsetForLeaderEpoch");
        if (request.replicaId >= 0) {
          throw new TributaryError(
            "INVALID_REQUEST",
            `replica ${request.replicaId}: followers replicate over the cluster's own channel`,
          );
        }
        const found = ctx.admin.endOffsetForLeaderEpoch(
          t.topic,
          p.partition,
          p.leaderEpoch,
          p.currentLeaderEpoch,
        );
        return { errorCode: NONE, partition: p.partition, ...found };
      } catch (err) {
        const { errorCode } = itemError(err);
        return { errorCode, partition: p.partition, leaderEpoch: -1, endOffset: -1 };
      }
    }),
  }));
  encodeOffsetForLeaderEpochResponse(w, version, { throttleTimeMs: 0, topics });
}
