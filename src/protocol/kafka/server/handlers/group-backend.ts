// The group coordinator as the group handlers reach it: a node without one (or a listener
// started without it) answers every group request COORDINATOR_NOT_AVAILABLE, which clients
// retry, instead of closing the connection.

import type { ClassicGroupsApi } from "../../../../coordinator/classic-types.ts";
import type { GroupServiceApi } from "../../../../coordinator/types.ts";
import { TributaryError } from "../../../../model/errors.ts";
import type { KafkaContext } from "../context.ts";

export function groupsOf(ctx: KafkaContext): GroupServiceApi {
  if (ctx.groups === undefined) throw unavailable();
  return ctx.groups;
}

export function classicOf(ctx: KafkaContext): ClassicGroupsApi {
  if (ctx.classic === undefined) throw unavailable();
  return ctx.classic;
}

function unavailable(): TributaryError {
  return new TributaryError("COORDINATOR_NOT_AVAILABLE", "this listener has no group coordinator");
}
