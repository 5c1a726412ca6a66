// Heartbeat: keeps a classic member's session alive; REBALANCE_IN_PROGRESS tells it to join
// again, as an error code rather than a closed connection.

import { kafkaErrorCode, NONE } from "../../error-codes.ts";
import { decodeHeartbeatRequest, encodeHeartbeatResponse } from "../../messages/heartbeat.ts";
import type { KafkaReader } from "../../reader.ts";
import type { KafkaWriter } from "../../writer.ts";
import type { KafkaContext } from "../context.ts";
import { classicOf } from "./group-backend.ts";

export async function heartbeat(
  ctx: KafkaContext,
  r: KafkaReader,
  version: number,
  w: KafkaWriter,
): Promise<void> {
  const request = decodeHeartbeatRequest(r, version);
  r.expectEnd(`Heartbeat v${version}`);
  let errorCode = NONE;
  try {
    await classicOf(ctx).heartbeatClassic(request);
  } catch (err) {
    errorCode = kafkaErrorCode(err);
  }
  encodeHeartbeatResponse(w, version, errorCode);
}
