// InitProducerId for idempotent producers: a fresh producer id at epoch 0 from the broker's
// durably reserved blocks, as Kafka gives a producer without a transactional id (the v3+
// producer_id / producer_epoch of a producer resuming are only meaningful for transactions).
//
// Transactions are not supported: a transactional id is answered with
// TRANSACTIONAL_ID_AUTHORIZATION_FAILED (53). Java, librdkafka and kafkajs treat it as fatal
// and tell the application, where COORDINATOR_NOT_AVAILABLE would make them retry forever.

import { KafkaAdminError, NONE } from "../../error-codes.ts";
import {
  decodeInitProducerIdRequest,
  encodeInitProducerIdResponse,
} from "../../messages/init-producer-id.ts";
import type { KafkaReader } from "../../reader.ts";
import type { KafkaWriter } from "../../writer.ts";
import type { KafkaContext } from "../context.ts";
import { itemError } from "./admin-errors.ts";

export async function initProducerId(
  ctx: KafkaContext,
  r: KafkaReader,
  version: number,
  w: KafkaWriter,
): Promise<void> {
  const request = decodeInitProducerIdRequest(r, version);
  r.expectEnd(`InitProducerId v${version}`);
  const refused = (errorCode: number) =>
    encodeInitProducerIdResponse(w, version, {
      throttleTimeMs: 0,
      errorCode,
      producerId: -1,
      producerEpoch: -1,
    });
  if (request.transactionalId !== null) {
    ctx.report?.("kafka.transactions_refused", "transactions are not supported", {
      transactionalId: request.transactionalId,
    });
    return refused(KafkaAdminError.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
  }
  let identity;
  try {
    identity = await ctx.broker.initProducerId();
  } catch (err) {
    return refused(itemError(err).errorCode);
  }
  encodeInitProducerIdResponse(w, version, {
    throttleTimeMs: 0,
    errorCode: NONE,
    producerId: identity.producerId,
    producerEpoch: identity.producerEpoch,
  });
}
