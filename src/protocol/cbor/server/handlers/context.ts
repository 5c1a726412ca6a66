// What every handler gets, and the handler type the dispatcher table (index.ts) holds.
//
// Handlers hold no state: a validated request body in, a response body out, by way of BrokerApi
// (and GroupServiceApi for the groups). Per-item failures (one topic, one partition) become that
// item's error; anything else thrown fails the whole request and is mapped by the connection.

import type { BrokerApi } from "../../../../broker/types.ts";
import type { GroupServiceApi } from "../../../../coordinator/types.ts";
import type { ControllerService, ReplicaService } from "../../../../model/cluster.ts";
import type { OpName } from "../../op-codes.ts";
import type { RequestBody, ResponseBody } from "../../ops/index.ts";

export interface HandlerContext {
  broker: BrokerApi;
  serverVersion: string;
  frameBytesMax: number;
  /** Aborts when the connection drops or the server closes: parked fetches answer at once. */
  signal: AbortSignal;
  /** The consumer-group coordinator; absent: group operations get COORDINATOR_NOT_AVAILABLE. */
  groups?: GroupServiceApi;
  /** The partition leader's side; absent: replica operations get NOT_LEADER_OR_FOLLOWER. */
  replication?: ReplicaService;
  /** The active controller's side; absent: controller operations get NOT_CONTROLLER. */
  controller?: ControllerService;
  /** The operations this listener serves (ApiVersions lists them). */
  served: readonly OpName[];
}

/** null: the request gets no response (Produce with acks 0). */
export type Handler<K extends OpName> = (
  ctx: HandlerContext,
  body: RequestBody<K>,
) => Promise<ResponseBody<K> | null>;
