// The Kafka wire protocol listener of a node (single or cluster), when its port is set: the
// same broker core and group coordinator, the node's connection limits, its logger. Returns the
// bound port (null when off) and registers its closer first, so it stops taking requests before
// the broker closes.

import type { Runtime } from "../../runtime/types.ts";
import type { Broker } from "../broker/broker.ts";
import type { ClassicGroupsApi } from "../coordinator/classic-types.ts";
import type { GroupServiceApi } from "../coordinator/types.ts";
import type { Logger } from "../logging/logger.ts";
import { TributaryError } from "../model/errors.ts";
import type { TopicDescription } from "../model/descriptions.ts";
import type { BrokerConfigEntry, KafkaAdmin } from "../protocol/kafka/server/context.ts";
import { serveKafka } from "../protocol/kafka/server/server.ts";
import type { Closer } from "./close-all.ts";
import { definedOnly, type StartBrokerOptions } from "./node-parts.ts";

/** What only a cluster node can do for the admin APIs (its controller). */
export interface KafkaClusterAdmin {
  createPartitions(topic: string, count: number): Promise<TopicDescription>;
}

export async function startKafka(
  rt: Runtime,
  broker: Broker,
  options: StartBrokerOptions & {
    host: string;
    logger: Logger;
    kafkaCluster?: KafkaClusterAdmin;
    groups?: GroupServiceApi & ClassicGroupsApi;
  },
  closers: Closer[],
): Promise<number | null> {
  const port = options.kafkaPort;
  if (port === null || port === undefined) return null;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new TributaryError(
      "INVALID_CONFIG",
      `kafka.port must be in [0, 65535] or -1, got ${port}`,
    );
  }
  const server = await serveKafka(rt, broker, {
    host: options.host,
    port,
    logger: options.logger,
    admin: kafkaAdmin(broker, options),
    ...(options.groups ? { groups: options.groups, classic: options.groups } : {}),
    ...definedOnly({
      requestBytesMax: options.kafkaRequestBytesMax,
      connectionsMax: options.connectionsMax,
      idleMsMax: options.connectionsIdleMsMax,
    }),
    ...(options.onUnexpectedError ? { onUnexpectedError: options.onUnexpectedError } : {}),
  });
  closers.unshift({ name: "kafka listener", close: () => server.close() });
  return server.port;
}

/** The admin view the Kafka listener gets of this node. */
export function kafkaAdmin(
  broker: Broker,
  options: StartBrokerOptions & { kafkaCluster?: KafkaClusterAdmin },
): KafkaAdmin {
  const brokerConfigs = (): BrokerConfigEntry[] => [
    { name: "broker.id", value: String(broker.nodeId), isDefault: false },
    {
      name: "num.partitions",
      value: String(options.defaultPartitions ?? 1),
      isDefault: options.defaultPartitions === undefined,
    },
    {
      name: "auto.create.topics.enable",
      value: String(options.autoCreateTopics === true),
      isDefault: false,
    },
  ];
  const cluster = options.kafkaCluster;
  return {
    topicId: (topic) => broker.topicId(topic),
    topicNameOf: (id) => broker.topicNameOf(id),
    topicConfigEntries: (topic) => broker.topicConfigEntries(topic),
    alterTopicConfigs: (topic, edit, o) => broker.alterTopicConfigs(topic, edit, o),
    deleteRecords: (topic, partition, offset) => broker.deleteRecords(topic, partition, offset),
    endOffsetForLeaderEpoch: (topic, partition, epoch, current) =>
      broker.endOffsetForLeaderEpoch(topic, partition, epoch, current),
    brokerConfigs,
    brokerCount: () => broker.metadata([]).brokers.length,
    createPartitions: (topic: string, count: number) =>
      cluster === undefined
        ? broker.createPartitions(topic, count)
        : cluster.createPartitions(topic, count),
  };
}
