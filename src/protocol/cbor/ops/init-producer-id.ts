// InitProducerId (op 13): a producer id and epoch for an idempotent producer
// (docs/protocol.md §6.10, §7.3).
//
//   request v1  = {? "transactionalId": null}      ; reserved for transactions: absent or null
//   response v1 = {"producerId": int, "producerEpoch": int}

import { Shape } from "../shape.ts";
import type { OpModule } from "./op-module.ts";

/** Transactions are not supported yet; transactionalId must be absent or null. */
export interface InitProducerIdRequestBody {
  transactionalId?: null;
}

export interface InitProducerIdResponseBody {
  producerId: number;
  producerEpoch: number;
}

export const initProducerIdOp: OpModule<InitProducerIdRequestBody, InitProducerIdResponseBody> = {
  versions: { min: 1, max: 1 },
  requestValidators: { 1: requestV1 },
  validateResponse: (shape, m) => ({
    producerId: shape.safeInt(m, "producerId", "body"),
    producerEpoch: shape.safeInt(m, "producerEpoch", "body"),
  }),
};

function requestV1(body: unknown): InitProducerIdRequestBody {
  const shape = new Shape("INVALID_REQUEST", "InitProducerId v1");
  const m = shape.map(body, "body");
  if (m.transactionalId !== undefined && m.transactionalId !== null) {
    shape.fail("body.transactionalId", "absent or null (transactions are not supported yet)");
  }
  return {};
}
