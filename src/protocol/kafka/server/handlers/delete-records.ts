// DeleteRecords: each partition's log start moved up to the offset asked for (-1: the high
// watermark) on its leader, through the broker core; partitions answer on their own.

import { NONE } from "../../error-codes.ts";
import {
  decodeDeleteRecordsRequest,
  type DeleteRecordsPartitionResult,
  encodeDeleteRecordsResponse,
} from "../../messages/delete-records.ts";
import type { KafkaReader } from "../../reader.ts";
import type { KafkaWriter } from "../../writer.ts";
import type { KafkaContext } from "../context.ts";
import { itemError, unsupported } from "./admin-errors.ts";

export async function deleteRecords(
  ctx: KafkaContext,
  r: KafkaReader,
  version: number,
  w: KafkaWriter,
): Promise<void> {
  const request = decodeDeleteRecordsRequest(r, version);
  r.expectEnd(`DeleteRecords v${version}`);
  const topics = await Promise.all(request.topics.map(async (t) => ({
    name: t.name,
    partitions: await Promise.all(
      t.partitions.map(async (p): Promise<DeleteRecordsPartitionResult> => {
        try {
          if (ctx.admin === undefined) throw unsupported("DeleteRecords");
          const { lowWatermark } = await ctx.admin.deleteRecords(
            t.name,
            p.partitionIndex,
            p.offset,
          );
          return { partitionIndex: p.partitionIndex, lowWatermark, errorCode: NONE };
        } catch (err) {
          const { errorCode } = itemError(err);
          return { partitionIndex: p.partitionIndex, lowWatermark: -1, errorCode };
        }
      }),
    ),
  })));
  encodeDeleteRecordsResponse(w, version, { throttleTimeMs: 0, topics });
}
