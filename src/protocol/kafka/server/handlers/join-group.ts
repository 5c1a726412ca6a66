// JoinGroup: waits (on this connection, which answers its requests in order as Kafka's does)
// until the rebalance the member joined completes; the connection's signal ends the wait when
// the client goes. A v4+ first join of a dynamic member is answered MEMBER_ID_REQUIRED with
// the id to join with (KIP-394).

import { KafkaError, kafkaErrorCode } from "../../error-codes.ts";
import {
  decodeJoinGroupRequest,
  encodeJoinGroupResponse,
  type JoinGroupResponse,
} from "../../messages/join-group.ts";
import type { RequestHeader } from "../../header.ts";
import type { KafkaReader } from "../../reader.ts";
import type { KafkaWriter } from "../../writer.ts";
import type { KafkaContext } from "../context.ts";
import { classicOf } from "./group-backend.ts";

export async function joinGroup(
  ctx: KafkaContext,
  r: KafkaReader,
  version: number,
  w: KafkaWriter,
  header: RequestHeader,
): Promise<void> {
  const request = decodeJoinGroupRequest(r, version);
  r.expectEnd(`JoinGroup v${version}`);
  let response: JoinGroupResponse;
  try {
    const joined = await classicOf(ctx).joinGroup({
      groupId: request.groupId,
      memberId: request.memberId,
      groupInstanceId: request.groupInstanceId,
      protocolType: request.protocolType,
      protocols: request.protocols,
      sessionTimeoutMs: request.sessionTimeoutMs,
      rebalanceTimeoutMs: request.rebalanceTimeoutMs,
      clientId: header.clientId ?? "",
      // As Kafka shows it (Java's InetAddress form), so group tools print the same host.
      clientHost: ctx.clientHost === undefined ? "" : `/${ctx.clientHost}`,
      // Kafka asks only dynamic members for a known id: a static one is known by its instance.
      requireKnownMemberId: version >= 4 && request.groupInstanceId === null,
      reason: request.reason,
    }, ctx.signal);
    response = joined.error === "MEMBER_ID_REQUIRED"
      ? failedJoin(KafkaError.MEMBER_ID_REQUIRED, joined.memberId)
      : {
        errorCode: 0,
        generationId: joined.generationId,
        protocolType: joined.protocolType,
        protocolName: joined.protocolName,
        leader: joined.leader,
        skipAssignment: joined.skipAssignment,
        memberId: joined.memberId,
        members: joined.members,
      };
  } catch (err) {
    response = failedJoin(kafkaErrorCode(err), request.memberId);
  }
  encodeJoinGroupResponse(w, version, response);
}

/** No generation: the member id is the one to join with next (KIP-394's) or the one sent. */
function failedJoin(errorCode: number, memberId: string): JoinGroupResponse {
  return {
    errorCode,
    generationId: -1,
    protocolType: null,
    protocolName: null,
    leader: "",
    skipAssignment: false,
    memberId,
    members: [],
  };
}
