// Fetch: the broker core's consumer fetch (long poll, min/max bytes, whole batches from the one
// holding the requested offset), its stored batch bytes returned as they are. No transactions
// exist, so the last stable offset is the high watermark and no transaction was aborted.
// From v13 topics come by id: an id no topic has is UNKNOWN_TOPIC_ID for its partitions.

import type { FetchPartitionResult } from "../../../../broker/types.ts";
import { ErrorCode, type ErrorCodeName, TributaryError } from "../../../../model/errors.ts";
import { KafkaAdminError, NONE, UNKNOWN_SERVER_ERROR } from "../../error-codes.ts";
import {
  decodeFetchRequest,
  encodeFetchResponse,
  type FetchResponsePartition,
} from "../../messages/fetch.ts";
import type { KafkaReader } from "../../reader.ts";
import type { KafkaWriter } from "../../writer.ts";
import type { KafkaContext } from "../context.ts";
import { topicNameOf } from "../topic-ids.ts";

/** Longest a fetch may long-poll, whatever the client asks (Kafka clients ask 0.5-5 s). */
export const FETCH_WAIT_MS_MAX = 30_000;

export async function fetch(
  ctx: KafkaContext,
  r: KafkaReader,
  version: number,
  w: KafkaWriter,
): Promise<void> {
  const request = decodeFetchRequest(r, version);
  r.expectEnd(`Fetch v${version}`);
  const names = request.topics.map((t) =>
    t.topic ?? (t.topicId === null ? undefined : topicNameOf(ctx, t.topicId))
  );
  const wanted = request.topics.flatMap((t, i) => {
    const topic = names[i];
    if (topic === undefined) return [];
    return t.partitions.map((p) => ({
      topic,
      partition: p.partition,
      offset: p.fetchOffset,
      maxBytes: Math.max(0, p.partitionMaxBytes),
    }));
  });
  let results: FetchPartitionResult[] = [];
  try {
    if (wanted.length > 0) {
      results = await ctx.broker.fetch({
        partitions: wanted,
        maxWaitMs: Math.min(Math.max(0, request.maxWaitMs), FETCH_WAIT_MS_MAX),
        minBytes: Math.max(0, request.minBytes),
        maxBytes: request.maxBytes > 0 ? request.maxBytes : 0x7fff_ffff,
        ...(ctx.signal ? { signal: ctx.signal } : {}),
      });
    }
  } catch (err) {
    // A refusal of the whole fetch (e.g. a bad offset) is every partition's answer.
    if (!(err instanceof TributaryError)) throw err;
    results = wanted.map((p) => ({
      topic: p.topic,
      partition: p.partition,
      error: err.code,
      errorMessage: err.message,
      highWatermark: -1,
      logStartOffset: -1,
      records: new Uint8Array(0),
    }));
  }
  const byKey = new Map<string, FetchPartitionResult>();
  for (const res of results) byKey.set(`${res.partition}:${res.topic}`, res);
  encodeFetchResponse(w, version, {
    errorCode: NONE,
    topics: request.topics.map((t, i) => ({
      topic: t.topic,
      topicId: t.topicId,
      partitions: t.partitions.map((p) =>
        names[i] === undefined
          ? unknownTopicId(p.partition)
          : partitionOf(p.partition, byKey.get(`${p.partition}:${names[i]}`))
      ),
    })),
  });
}

function unknownTopicId(index: number): FetchResponsePartition {
  return {
    partitionIndex: index,
    errorCode: KafkaAdminError.UNKNOWN_TOPIC_ID,
    highWatermark: -1,
    lastStableOffset: -1,
    logStartOffset: -1,
    records: null,
  };
}

function partitionOf(index: number, res: FetchPartitionResult | undefined): FetchResponsePartition {
  if (res === undefined) {
    return {
      partitionIndex: index,
      errorCode: UNKNOWN_SERVER_ERROR,
      highWatermark: -1,
      lastStableOffset: -1,
      logStartOffset: -1,
      records: null,
    };
  }
  return {
    partitionIndex: index,
    errorCode: res.error === undefined ? NONE : codeOf(res.error),
    highWatermark: res.highWatermark,
    lastStableOffset: res.highWatermark,
    logStartOffset: res.logStartOffset,
    records: res.records,
  };
}

function codeOf(name: string): number {
  return Object.hasOwn(ErrorCode, name)
    ? ErrorCode[name as ErrorCodeName].kafka
    : UNKNOWN_SERVER_ERROR;
}
