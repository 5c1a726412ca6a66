// ListGroups: the groups this broker coordinates, of both protocols, optionally only those in
// the given states (v4+) or of the given types (v5+). Kafka matches both filters without regard
// to case ("stable" finds Stable groups).

import { kafkaErrorCode, NONE } from "../../error-codes.ts";
import {
  decodeListGroupsRequest,
  encodeListGroupsResponse,
  type ListGroupsResponse,
} from "../../messages/list-groups.ts";
import type { KafkaReader } from "../../reader.ts";
import type { KafkaWriter } from "../../writer.ts";
import type { KafkaContext } from "../context.ts";
import { classicOf } from "./group-backend.ts";

export function listGroups(
  ctx: KafkaContext,
  r: KafkaReader,
  version: number,
  w: KafkaWriter,
): void {
  const request = decodeListGroupsRequest(r, version);
  r.expectEnd(`ListGroups v${version}`);
  const states = new Set(request.statesFilter.map((s) => s.toLowerCase()));
  const types = new Set(request.typesFilter.map((s) => s.toLowerCase()));
  let response: ListGroupsResponse;
  try {
    const groups = classicOf(ctx).listGroupsKafka().filter((g) =>
      (states.size === 0 || states.has(g.state.toLowerCase())) &&
      (types.size === 0 || types.has(g.groupType))
    );
    response = {
      errorCode: NONE,
      groups: groups.map((g) => ({
        groupId: g.groupId,
        protocolType: g.protocolType,
        groupState: g.state,
        groupType: g.groupType,
      })),
    };
  } catch (err) {
    response = { errorCode: kafkaErrorCode(err), groups: [] };
  }
  encodeListGroupsResponse(w, version, response);
}
