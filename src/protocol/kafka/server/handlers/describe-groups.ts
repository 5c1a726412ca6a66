// DescribeGroups: each named group with its state, protocol and members (client id and host,
// metadata and assignment bytes), of either protocol; an unknown group is "Dead" with no
// members, and a group this broker does not coordinate carries NOT_COORDINATOR on its own.

import { kafkaErrorCode, NONE } from "../../error-codes.ts";
import {
  decodeDescribeGroupsRequest,
  type DescribedGroup,
  encodeDescribeGroupsResponse,
} from "../../messages/describe-groups.ts";
import type { KafkaReader } from "../../reader.ts";
import type { KafkaWriter } from "../../writer.ts";
import type { KafkaContext } from "../context.ts";
import { classicOf } from "./group-backend.ts";

export function describeGroups(
  ctx: KafkaContext,
  r: KafkaReader,
  version: number,
  w: KafkaWriter,
): void {
  const request = decodeDescribeGroupsRequest(r, version);
  r.expectEnd(`DescribeGroups v${version}`);
  encodeDescribeGroupsResponse(w, version, request.groups.map((id) => describe(ctx, id)));
}

function describe(ctx: KafkaContext, groupId: string): DescribedGroup {
  try {
    const g = classicOf(ctx).describeGroupKafka(groupId);
    return {
      errorCode: NONE,
      groupId,
      groupState: g.state,
      protocolType: g.protocolType,
      protocolData: g.protocolName,
      members: g.members.map((m) => ({
        memberId: m.memberId,
        groupInstanceId: m.groupInstanceId,
        clientId: m.clientId,
        clientHost: m.clientHost,
        memberMetadata: m.metadata,
        memberAssignment: m.assignment,
      })),
    };
  } catch (err) {
    return {
      errorCode: kafkaErrorCode(err),
      groupId,
      groupState: "",
      protocolType: "",
      protocolData: "",
      members: [],
    };
  }
}
