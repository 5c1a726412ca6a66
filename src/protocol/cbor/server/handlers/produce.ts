// Handlers of the producer's operations: Produce and InitProducerId.
//
// Produce calls broker.produce before its first await, so the order in which the connection
// dispatches requests is the order the broker sees. Record bytes pass through untouched.

import type { BrokerApi, ProduceRequest, ProduceResult } from "../../../../broker/types.ts";
import type { RequestBody, ResponseBody } from "../../ops/index.ts";
import { toWireError } from "../../wire-error.ts";
import type { HandlerContext } from "./context.ts";

export function produce(
  ctx: HandlerContext,
  body: RequestBody<"Produce">,
): Promise<ResponseBody<"Produce"> | null> {
  // Every broker.produce call happens here, synchronously, in request order.
  const results = body.partitions.map(({ topic, partition, records }) =>
    produceNow(ctx.broker, {
      topic,
      partition,
      batches: records,
      acks: body.acks,
      timeoutMs: body.timeoutMs,
    }).then(
      (r) => ({
        topic,
        partition,
        error: null,
        baseOffset: r.baseOffset,
        lastOffset: r.lastOffset,
        logAppendTimeMs: r.logAppendTimeMs,
        logStartOffset: r.logStartOffset,
      }),
      (err: unknown) => ({
        topic,
        partition,
        error: toWireError(err),
        baseOffset: -1,
        lastOffset: -1,
        logAppendTimeMs: -1,
        logStartOffset: -1,
      }),
    )
  );
  return Promise.all(results).then((partitions) => (body.acks === 0 ? null : { partitions }));
}

/** broker.produce, called now; a synchronous throw becomes a rejection like any other failure. */
function produceNow(broker: BrokerApi, request: ProduceRequest): Promise<ProduceResult> {
  try {
    return broker.produce(request);
  } catch (err) {
    return Promise.reject(err);
  }
}

export async function initProducerId(
  ctx: HandlerContext,
): Promise<ResponseBody<"InitProducerId">> {
  const { producerId, producerEpoch } = await ctx.broker.initProducerId();
  return { producerId, producerEpoch };
}
