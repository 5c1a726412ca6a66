// ListOffsets: the earliest (-2) or latest (-1) offset of a partition, or the first offset at
// or after a timestamp from the time index, through the broker core's listOffsets.

import type { OffsetSpec } from "../../../../model/offsets.ts";
import { kafkaErrorCode, NONE } from "../../error-codes.ts";
import {
  decodeListOffsetsRequest,
  EARLIEST_TIMESTAMP,
  encodeListOffsetsResponse,
  LATEST_TIMESTAMP,
  type ListOffsetsPartitionResponse,
} from "../../messages/list-offsets.ts";
import type { KafkaReader } from "../../reader.ts";
import type { KafkaWriter } from "../../writer.ts";
import type { KafkaContext } from "../context.ts";

export async function listOffsets(
  ctx: KafkaContext,
  r: KafkaReader,
  version: number,
  w: KafkaWriter,
): Promise<void> {
  const request = decodeListOffsetsRequest(r, version);
  r.expectEnd(`ListOffsets v${version}`);
  const topics = await Promise.all(request.topics.map(async (t) => ({
    name: t.name,
    partitions: await Promise.all(
      t.partitions.map(async (p): Promise<ListOffsetsPartitionResponse> => {
        const spec: OffsetSpec = p.timestamp === LATEST_TIMESTAMP
          ? "latest"
          : p.timestamp === EARLIEST_TIMESTAMP
          ? "earliest"
          : { timestampMs: p.timestamp };
        try {
          const found = await ctx.broker.listOffsets(t.name, p.partitionIndex, spec);
          return {
            partitionIndex: p.partitionIndex,
            errorCode: NONE,
            timestamp: typeof spec === "string" || found.offset < 0 ? -1 : found.timestampMs,
            offset: found.offset,
            leaderEpoch: -1,
          };
        } catch (err) {
          return {
            partitionIndex: p.partitionIndex,
            errorCode: kafkaErrorCode(err),
            timestamp: -1,
            offset: -1,
            leaderEpoch: -1,
          };
        }
      }),
    ),
  })));
  encodeListOffsetsResponse(w, version, { topics });
}
