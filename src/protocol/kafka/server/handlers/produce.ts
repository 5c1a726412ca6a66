// Produce: each partition's batches checked at the edge (record-batches.ts), then appended by
// the broker core exactly as the CBOR face does (validation, idempotence, offsets, acks). The
// partitions of one request are written concurrently; one failing leaves the others.

import type { Acks } from "../../../../model/acks.ts";
import { TributaryError } from "../../../../model/errors.ts";
import { kafkaErrorCode, NONE } from "../../error-codes.ts";
import {
  decodeProduceRequest,
  encodeProduceResponse,
  type ProducePartitionResponse,
} from "../../messages/produce.ts";
import type { KafkaReader } from "../../reader.ts";
import { checkProducedBatches } from "../../record-batches.ts";
import type { KafkaWriter } from "../../writer.ts";
import type { KafkaContext } from "../context.ts";

export async function produce(
  ctx: KafkaContext,
  r: KafkaReader,
  version: number,
  w: KafkaWriter,
): Promise<boolean> {
  const request = decodeProduceRequest(r, version);
  r.expectEnd(`Produce v${version}`);
  const acks = request.acks;
  if (acks !== 0 && acks !== 1 && acks !== -1) {
    throw new TributaryError("INVALID_REQUIRED_ACKS", `acks ${acks} is not 0, 1 or -1`);
  }
  const topics = await Promise.all(request.topics.map(async (t) => ({
    name: t.name,
    partitions: await Promise.all(
      t.partitions.map((p): Promise<ProducePartitionResponse> =>
        partition(ctx, t.name, p.index, p.records, {
          acks,
          timeoutMs: request.timeoutMs,
          transactional: request.transactionalId !== null,
        })
      ),
    ),
  })));
  if (acks === 0) return false;
  encodeProduceResponse(w, version, { topics, throttleTimeMs: 0 });
  return true;
}

async function partition(
  ctx: KafkaContext,
  topic: string,
  index: number,
  records: Uint8Array | null,
  o: { acks: Acks; timeoutMs: number; transactional: boolean },
): Promise<ProducePartitionResponse> {
  try {
    if (o.transactional) {
      throw new TributaryError("INVALID_RECORD", "transactions are not supported by this broker");
    }
    const batches = checkProducedBatches(records);
    const result = await ctx.broker.produce({
      topic,
      partition: index,
      batches,
      acks: o.acks,
      ...(o.timeoutMs > 0 ? { timeoutMs: o.timeoutMs } : {}),
    });
    return {
      index,
      errorCode: NONE,
      baseOffset: result.baseOffset,
      logAppendTimeMs: result.logAppendTimeMs,
      logStartOffset: result.logStartOffset,
      errorMessage: null,
    };
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    ctx.report?.("kafka.produce_refused", message, {
      topic,
      partition: index,
      ...(err instanceof TributaryError ? { code: err.code } : {}),
    });
    if (!(err instanceof TributaryError)) throw err;
    return {
      index,
      errorCode: kafkaErrorCode(err),
      baseOffset: -1,
      logAppendTimeMs: -1,
      logStartOffset: -1,
      errorMessage: message,
    };
  }
}
