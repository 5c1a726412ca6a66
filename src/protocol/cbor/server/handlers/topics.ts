// Handlers of the topic operations: Metadata and the topic administration (CreateTopics,
// DeleteTopics, DescribeTopics, ListTopics).

import type { BrokerApi } from "../../../../broker/types.ts";
import type {
  BrokerEndpoint,
  PartitionDescription,
  TopicDescription,
  TopicSummary,
} from "../../../../model/descriptions.ts";
import type { MetadataTopic } from "../../ops/metadata.ts";
import type { RequestBody, ResponseBody } from "../../ops/index.ts";
import type { BrokerEndpointWire, TopicResult } from "../../ops/topic-shapes.ts";
import { toWireError } from "../../wire-error.ts";
import type { HandlerContext } from "./context.ts";

export async function metadata(
  ctx: HandlerContext,
  body: RequestBody<"Metadata">,
): Promise<ResponseBody<"Metadata">> {
  // An empty list: the cluster part only. Asking the broker for named topics would start
  // auto-creating the missing ones, which allowAutoTopicCreation false must not do.
  const cluster = ctx.broker.metadata(
    body.topics === null ? undefined : [],
    body.includeFencedBrokers === true ? { includeFencedBrokers: true } : {},
  );
  const topics = body.topics === null
    ? cluster.topics.map((t) => ({ ...topicWire(t), error: null }))
    : await namedTopics(ctx.broker, body.topics, body.allowAutoTopicCreation !== false);
  return {
    clusterId: cluster.clusterId,
    controllerId: cluster.controllerId,
    brokers: cluster.brokers.map(endpointWire),
    topics,
  };
}

/** Each named topic once, in request order; one that cannot be described gets its error. */
async function namedTopics(
  broker: BrokerApi,
  names: string[],
  autoCreate: boolean,
): Promise<MetadataTopic[]> {
  const topics: MetadataTopic[] = [];
  for (const name of new Set(names)) {
    try {
      // partitionCount is the broker's auto-creation point (when the broker has it on).
      if (autoCreate) await broker.partitionCount(name);
      topics.push({ ...topicWire(broker.describeTopic(name)), error: null });
    } catch (err) {
      topics.push({ name, internal: false, configs: {}, partitions: [], error: toWireError(err) });
    }
  }
  return topics;
}

export async function createTopics(
  ctx: HandlerContext,
  body: RequestBody<"CreateTopics">,
): Promise<ResponseBody<"CreateTopics">> {
  const topics: TopicResult[] = [];
  for (const request of body.topics) {
    topics.push(await topicResult(request.name, () => ctx.broker.createTopic(request)));
  }
  return { topics };
}

export async function deleteTopics(
  ctx: HandlerContext,
  body: RequestBody<"DeleteTopics">,
): Promise<ResponseBody<"DeleteTopics">> {
  const topics: ResponseBody<"DeleteTopics">["topics"] = [];
  for (const name of body.topics) {
    try {
      await ctx.broker.deleteTopic(name);
      topics.push({ name, error: null });
    } catch (err) {
      topics.push({ name, error: toWireError(err) });
    }
  }
  return { topics };
}

export async function describeTopics(
  ctx: HandlerContext,
  body: RequestBody<"DescribeTopics">,
): Promise<ResponseBody<"DescribeTopics">> {
  const topics: TopicResult[] = [];
  for (const name of body.topics) {
    topics.push(await topicResult(name, () => Promise.resolve(ctx.broker.describeTopic(name))));
  }
  return { topics };
}

export function listTopics(ctx: HandlerContext): Promise<ResponseBody<"ListTopics">> {
  return Promise.resolve({ topics: ctx.broker.listTopics().map(topicSummaryWire) });
}

async function topicResult(
  name: string,
  get: () => Promise<TopicDescription>,
): Promise<TopicResult> {
  try {
    return { name, error: null, topic: topicWire(await get()) };
  } catch (err) {
    return { name, error: toWireError(err), topic: null };
  }
}

// The wire shapes are spelled out field by field: the wire contract is ops/ and the docs,
// not whatever else a broker object happens to carry.

function endpointWire(b: BrokerEndpoint): BrokerEndpointWire {
  const out: BrokerEndpointWire = { nodeId: b.nodeId, host: b.host, port: b.port };
  if (b.httpPort !== undefined) out.httpPort = b.httpPort;
  out.rack = typeof b.rack === "string" ? b.rack : null;
  if (b.state !== undefined) out.state = b.state;
  return out;
}

function topicSummaryWire(t: TopicSummary): TopicSummary {
  return {
    name: t.name,
    partitions: t.partitions,
    replicationFactor: t.replicationFactor,
    internal: t.internal,
  };
}

function topicWire(t: TopicDescription): TopicDescription {
  return {
    name: t.name,
    internal: t.internal,
    configs: { ...t.configs },
    partitions: t.partitions.map(partitionWire),
  };
}

function partitionWire(p: PartitionDescription): PartitionDescription {
  return {
    partition: p.partition,
    leader: p.leader,
    leaderEpoch: p.leaderEpoch,
    replicas: [...p.replicas],
    isr: [...p.isr],
    logStartOffset: p.logStartOffset,
    highWatermark: p.highWatermark,
    sizeBytes: p.sizeBytes,
  };
}
