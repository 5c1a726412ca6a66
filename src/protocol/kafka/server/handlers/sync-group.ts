// SyncGroup: the leader hands in every member's assignment; each member (the leader too) gets
// its own once the leader's is stored. Followers wait, bounded by the coordinator's rebalance
// timeout and the connection's signal.

import { kafkaErrorCode, NONE } from "../../error-codes.ts";
import {
  decodeSyncGroupRequest,
  encodeSyncGroupResponse,
  type SyncGroupResponse,
} from "../../messages/sync-group.ts";
import type { KafkaReader } from "../../reader.ts";
import type { KafkaWriter } from "../../writer.ts";
import type { KafkaContext } from "../context.ts";
import { classicOf } from "./group-backend.ts";

export async function syncGroup(
  ctx: KafkaContext,
  r: KafkaReader,
  version: number,
  w: KafkaWriter,
): Promise<void> {
  const request = decodeSyncGroupRequest(r, version);
  r.expectEnd(`SyncGroup v${version}`);
  let response: SyncGroupResponse;
  try {
    const synced = await classicOf(ctx).syncGroup(request, ctx.signal);
    response = { errorCode: NONE, ...synced };
  } catch (err) {
    response = {
      errorCode: kafkaErrorCode(err),
      protocolType: null,
      protocolName: null,
      assignment: new Uint8Array(0),
    };
  }
  encodeSyncGroupResponse(w, version, response);
}
