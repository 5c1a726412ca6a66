// Where forwarded requests go, read from the broker's metadata (docs/http.md, "Forwarding"): the
// HTTP listener of a partition's leader, and for a group the leader of its `__consumer_offsets`
// partition (its coordinator). The cluster composition hands these to createHttpApp; a single
// node needs none of it, as it leads everything.

import type { BrokerApi } from "../broker/types.ts";
import type { GroupServiceApi } from "../coordinator/types.ts";
import type { BrokerEndpoint } from "../model/descriptions.ts";
import { CONSUMER_OFFSETS_TOPIC } from "../model/topic-name.ts";

export interface ForwardTargets {
  /** Base URL of the partition's leader when another broker leads it; null: serve here. */
  forwardTarget(topic: string, partition: number): string | null;
  /** Base URL of the group's coordinator when it is another broker; null: serve here. */
  coordinatorTarget(groupId: string): string | null;
}

/** The HTTP base URL of a broker's listener, e.g. `http://10.0.0.2:8080`. */
export function httpBaseUrl(endpoint: Pick<BrokerEndpoint, "host">, httpPort: number): string {
  const host = endpoint.host.includes(":") ? `[${endpoint.host}]` : endpoint.host;
  return `http://${host}:${httpPort}`;
}

/**
 * Targets from `broker.metadata()`. Null (served here, so the broker's own answer, e.g. a
 * retriable NOT_LEADER_OR_FOLLOWER or LEADER_NOT_AVAILABLE) when this broker leads, when nobody
 * does, and when the leader has no HTTP listener in the metadata.
 */
export function leaderTargets(
  broker: Pick<BrokerApi, "nodeId" | "metadata">,
  groups?: Pick<GroupServiceApi, "offsetsPartitionOf">,
): ForwardTargets {
  const forwardTarget = (topic: string, partition: number): string | null => {
    const metadata = broker.metadata([topic]);
    const leader = metadata.topics[0]?.partitions.find((p) => p.partition === partition)?.leader;
    if (leader === undefined || leader < 0 || leader === broker.nodeId) return null;
    const endpoint = metadata.brokers.find((b) => b.nodeId === leader);
    if (endpoint?.httpPort === undefined) return null;
    return httpBaseUrl(endpoint, endpoint.httpPort);
  };
  return {
    forwardTarget,
    coordinatorTarget: (groupId) =>
      groups === undefined
        ? null
        : forwardTarget(CONSUMER_OFFSETS_TOPIC, groups.offsetsPartitionOf(groupId)),
  };
}
