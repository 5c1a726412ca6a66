// Handlers of the consumer's read path: Fetch and ListOffsets. Record bytes pass through
// untouched, straight from the log.

import type { OffsetSpec } from "../../../../model/offsets.ts";
import type { RequestBody, ResponseBody } from "../../ops/index.ts";
import { ListOffsetsTimestamp } from "../../ops/list-offsets.ts";
import { toWireError, wireErrorOf } from "../../wire-error.ts";
import type { HandlerContext } from "./context.ts";

/** Room kept in a Fetch response frame for everything around the record bytes. */
const FETCH_RESPONSE_ROOM_BYTES = 64 * 1024;

export async function fetch(
  ctx: HandlerContext,
  body: RequestBody<"Fetch">,
): Promise<ResponseBody<"Fetch">> {
  // The answer must fit one frame the client accepts; maxBytes beyond that are trimmed.
  const bytesCap = Math.max(1, ctx.frameBytesMax - FETCH_RESPONSE_ROOM_BYTES);
  const results = await ctx.broker.fetch({
    partitions: body.partitions.map((p) => ({ ...p, maxBytes: Math.min(p.maxBytes, bytesCap) })),
    maxWaitMs: body.maxWaitMs,
    minBytes: Math.min(body.minBytes, bytesCap),
    maxBytes: Math.min(body.maxBytes, bytesCap),
    signal: ctx.signal,
  });
  return {
    partitions: results.map((r) => ({
      topic: r.topic,
      partition: r.partition,
      error: r.error === undefined ? null : wireErrorOf(r.error, r.errorMessage),
      highWatermark: r.highWatermark,
      logStartOffset: r.logStartOffset,
      records: r.records,
    })),
  };
}

export async function listOffsets(
  ctx: HandlerContext,
  body: RequestBody<"ListOffsets">,
): Promise<ResponseBody<"ListOffsets">> {
  const partitions: ResponseBody<"ListOffsets">["partitions"] = [];
  for (const { topic, partition, timestamp } of body.partitions) {
    try {
      const r = await ctx.broker.listOffsets(topic, partition, offsetSpec(timestamp));
      partitions.push({
        topic,
        partition,
        error: null,
        offset: r.offset,
        timestampMs: r.timestampMs,
      });
    } catch (err) {
      partitions.push({ topic, partition, error: toWireError(err), offset: -1, timestampMs: -1 });
    }
  }
  return { partitions };
}

function offsetSpec(timestamp: number): OffsetSpec {
  if (timestamp === ListOffsetsTimestamp.Earliest) return "earliest";
  if (timestamp === ListOffsetsTimestamp.Latest) return "latest";
  return { timestampMs: timestamp };
}
