// Metadata: brokers with their Kafka listeners, the cluster id and controller, and topics with
// each partition's leader, leader epoch, replicas and ISR, from the same broker calls the CBOR
// face makes. Named topics the broker does not have are auto-created when the broker's
// auto.create.topics.enable is on and the request allows it (v4+; always allowed before).
// Topic ids (v10+) come from the admin view, and a topic named by id alone is looked up.

import type { BrokerEndpoint, TopicDescription } from "../../../../model/descriptions.ts";
import { KafkaError, kafkaErrorCode, NONE } from "../../error-codes.ts";
import {
  decodeMetadataRequest,
  encodeMetadataResponse,
  type MetadataBroker,
  type MetadataPartition,
  type MetadataTopic,
} from "../../messages/metadata.ts";
import type { KafkaReader } from "../../reader.ts";
import { uuidBytes, uuidHex, ZERO_UUID } from "../../uuid.ts";
import type { KafkaWriter } from "../../writer.ts";
import type { KafkaContext } from "../context.ts";

const UNKNOWN_TOPIC_ID = 100;

export async function metadata(
  ctx: KafkaContext,
  r: KafkaReader,
  version: number,
  w: KafkaWriter,
): Promise<void> {
  const request = decodeMetadataRequest(r, version);
  r.expectEnd(`Metadata v${version}`);
  // An empty list asks for the cluster part only: naming topics here would start auto-creating
  // them, which a request that disallows it must not do.
  const cluster = ctx.broker.metadata(request.topics === null ? undefined : []);
  const idOf = (name: string) => ctx.admin?.topicId(name);
  const topics = request.topics === null
    ? cluster.topics.map((t) => topicOf(t, idOf(t.name)))
    : await namedTopics(ctx, request.topics, request.allowAutoTopicCreation);
  encodeMetadataResponse(w, version, {
    throttleTimeMs: 0,
    brokers: cluster.brokers.flatMap(kafkaBroker),
    clusterId: cluster.clusterId,
    controllerId: cluster.controllerId,
    topics,
  });
}

/** A broker without a Kafka listener cannot be reached by a Kafka client: it is left out. */
function kafkaBroker(b: BrokerEndpoint): MetadataBroker[] {
  if (b.kafkaPort === undefined) return [];
  return [{ nodeId: b.nodeId, host: b.host, port: b.kafkaPort, rack: b.rack ?? null }];
}

async function namedTopics(
  ctx: KafkaContext,
  requested: Array<{ name: string | null; topicId: Uint8Array | null }>,
  allowAutoCreate: boolean,
): Promise<MetadataTopic[]> {
  const broker = ctx.broker;
  const out: MetadataTopic[] = [];
  const seen = new Set<string>();
  for (const wanted of requested) {
    // v10+ may name a topic by id only; without the admin view ids cannot be looked up.
    const byId = wanted.name === null && wanted.topicId !== null
      ? ctx.admin?.topicNameOf(uuidHex(wanted.topicId))
      : undefined;
    const name = wanted.name ?? byId ?? null;
    if (name === null) {
      out.push({ ...errorTopic("", UNKNOWN_TOPIC_ID), topicId: wanted.topicId ?? ZERO_UUID });
      continue;
    }
    if (seen.has(name)) continue;
    seen.add(name);
    try {
      // partitionCount is the broker's auto-creation point (when its config has it on).
      // A topic named by id is never auto-created (it exists, or the id is unknown).
      if (allowAutoCreate && byId === undefined) await broker.partitionCount(name);
      out.push(topicOf(broker.describeTopic(name), ctx.admin?.topicId(name)));
    } catch (err) {
      out.push(errorTopic(name, kafkaErrorCode(err)));
    }
  }
  return out;
}

function errorTopic(name: string, errorCode: number): MetadataTopic {
  return { errorCode, name, topicId: ZERO_UUID, isInternal: false, partitions: [] };
}

function topicOf(t: TopicDescription, topicId: string | undefined): MetadataTopic {
  return {
    errorCode: NONE,
    name: t.name,
    topicId: uuidBytes(topicId),
    isInternal: t.internal,
    partitions: t.partitions.map((p): MetadataPartition => {
      const offline = p.offlineReason !== undefined;
      return {
        errorCode: p.leader < 0
          ? KafkaError.LEADER_NOT_AVAILABLE
          : offline
          ? KafkaError.KAFKA_STORAGE_ERROR
          : NONE,
        partitionIndex: p.partition,
        leaderId: p.leader,
        leaderEpoch: p.leaderEpoch,
        replicaNodes: p.replicas,
        isrNodes: p.isr,
        offlineReplicas: offline && p.leader >= 0 ? [p.leader] : [],
      };
    }),
  };
}
