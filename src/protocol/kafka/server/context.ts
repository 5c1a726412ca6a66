// What every Kafka request handler is given: the broker core the other faces use too, the group
// coordinator (when this node runs one), and who is asking (for Metadata's broker list on a
// single node and for JoinGroup's client host).

import type { BrokerApi } from "../../../broker/types.ts";
import type { ClassicGroupsApi } from "../../../coordinator/classic-types.ts";
import type { GroupServiceApi } from "../../../coordinator/types.ts";
import type { LogFields, Logger } from "../../../logging/logger.ts";

export interface KafkaContext {
  broker: BrokerApi;
  logger: Logger;
  /**
   * Offsets, FindCoordinator and admin group calls. Absent: every group request is answered
   * COORDINATOR_NOT_AVAILABLE.
   */
  groups?: GroupServiceApi;
  /** JoinGroup, SyncGroup, Heartbeat, LeaveGroup, member commits, ListGroups, DescribeGroups. */
  classic?: ClassicGroupsApi;
  /** The peer's address, as DescribeGroups shows a member's client host. */
  clientHost?: string;
  /** Aborts when the connection closes (for waits such as a long-polling fetch). */
  signal?: AbortSignal;
  /** A client-triggered event worth a (rate-limited) warning line, e.g. a refused batch. */
  report?: (event: string, message: string, fields: LogFields) => void;
}
