// What every Kafka request handler is given: the broker core the other faces use too, the group
// coordinator (when this node runs one), and who is asking (for Metadata's broker list on a
// single node and for JoinGroup's client host).

import type { BrokerApi } from "../../../broker/types.ts";
import type { TopicConfigEntry } from "../../../broker/topic-config.ts";
import type { TopicConfigEdit } from "../../../broker/topic-config-edit.ts";
import type { EpochEndOffset } from "../../../log/leader-epoch-cache.ts";
import type { TopicDescription } from "../../../model/descriptions.ts";
import type { ClassicGroupsApi } from "../../../coordinator/classic-types.ts";
import type { GroupServiceApi } from "../../../coordinator/types.ts";
import type { LogFields, Logger } from "../../../logging/logger.ts";

export interface KafkaContext {
  broker: BrokerApi;
  logger: Logger;
  /** The admin operations beyond BrokerApi; without it those APIs answer UNSUPPORTED_VERSION. */
  admin?: KafkaAdmin;
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

/** A broker-level config as DescribeConfigs shows it (resource type 4). */
export interface BrokerConfigEntry {
  name: string;
  value: string;
  /** Kafka's own default (not set in the broker's configuration). */
  isDefault: boolean;
}

/** The admin APIs' narrow view of the node (the Broker, and in a cluster its controller). */
export interface KafkaAdmin {
  /** A topic's id as stored (hex, as uuid.ts reads it), or undefined for no such topic. */
  topicId(topic: string): string | undefined;
  topicNameOf(topicId: string): string | undefined;
  topicConfigEntries(topic: string): TopicConfigEntry[];
  alterTopicConfigs(
    topic: string,
    edit: TopicConfigEdit,
    options: { validateOnly: boolean },
  ): Promise<void>;
  deleteRecords(topic: string, partition: number, beforeOffset: number): Promise<{
    lowWatermark: number;
  }>;
  endOffsetForLeaderEpoch(
    topic: string,
    partition: number,
    leaderEpoch: number,
    currentLeaderEpoch: number,
  ): EpochEndOffset;
  /** This broker's configs (resource name: its id, or "" for the cluster's defaults). */
  brokerConfigs(): BrokerConfigEntry[];
  /** Brokers a replica may be placed on (replication factors above it are refused). */
  brokerCount(): number;
  /** Grows a topic to `count` partitions; absent where no controller can (a single node). */
  createPartitions?(topic: string, count: number): Promise<TopicDescription>;
}
