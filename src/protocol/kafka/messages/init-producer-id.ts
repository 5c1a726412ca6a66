// InitProducerId (key 22), versions 0-4; v2+ flexible. v1 only changed throttling, v4 only
// allowed PRODUCER_FENCED in answers.
//
// Request:
//   transactional_id NULLABLE_STRING, transaction_timeout_ms INT32,
//   producer_id INT64, producer_epoch INT16                      (v3+: resume after a fence)
// Response:
//   throttle_time_ms INT32, error_code INT16, producer_id INT64, producer_epoch INT16

import type { KafkaReader } from "../reader.ts";
import type { KafkaWriter } from "../writer.ts";

export const INIT_PRODUCER_ID_FIRST_FLEXIBLE = 2;

export interface InitProducerIdRequest {
  transactionalId: string | null;
  transactionTimeoutMs: number;
  /** -1 when absent (before v3, or a new producer). */
  producerId: number;
  producerEpoch: number;
}

export interface InitProducerIdResponse {
  throttleTimeMs: number;
  errorCode: number;
  producerId: number;
  producerEpoch: number;
}

export function decodeInitProducerIdRequest(
  r: KafkaReader,
  version: number,
): InitProducerIdRequest {
  const flexible = version >= INIT_PRODUCER_ID_FIRST_FLEXIBLE;
  const transactionalId = flexible
    ? r.compactNullableString("transactional_id")
    : r.nullableString("transactional_id");
  const transactionTimeoutMs = r.int32("transaction_timeout_ms");
  const producerId = version >= 3 ? r.int64("producer_id") : -1;
  const producerEpoch = version >= 3 ? r.int16("producer_epoch") : -1;
  if (flexible) r.taggedFields();
  return { transactionalId, transactionTimeoutMs, producerId, producerEpoch };
}

export function encodeInitProducerIdResponse(
  w: KafkaWriter,
  version: number,
  body: InitProducerIdResponse,
): void {
  const flexible = version >= INIT_PRODUCER_ID_FIRST_FLEXIBLE;
  w.int32(body.throttleTimeMs).int16(body.errorCode).int64(body.producerId);
  w.int16(body.producerEpoch).tags(flexible);
}
