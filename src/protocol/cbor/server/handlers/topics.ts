// One handler per operation: validated request body in, response body out, by way of BrokerApi.
//
// Handlers hold no state. Produce handlers call broker.produce before their first await, so the
// order in which the connection dispatches them is the order the broker sees. Record bytes pass
// through untouched both ways. Per-item failures (one topic, one partition) become that item's
// error; anything else thrown fails the whole request and is mapped by the caller.

import type {
  BrokerApi,
  BrokerEndpoint,
  OffsetSpec,
  PartitionDescription,
  ProduceRequest,
  ProduceResult,
  TopicDescription,
  TopicSummary,
} from "../../../../broker/types.ts";
import {
  ListOffsetsTimestamp,
  type MetadataTopic,
  Op,
  OP_VERSIONS,
  type OpName,
  type RequestBody,
  type ResponseBody,
  type TopicResult,
} from "../../messages.ts";
import { toWireError, wireErrorOf } from "../../wire-error.ts";
import type { GroupServiceApi } from "../../../../coordinator/types.ts";
import { GROUP_HANDLERS } from "./groups.ts";

export interface HandlerContext {
  broker: BrokerApi;
  serverVersion: string;
  frameBytesMax: number;
  /** Aborts when the connection drops or the server closes: parked fetches answer at once. */
  signal: AbortSignal;
  /** The consumer-group coordinator; absent: group operations get COORDINATOR_NOT_AVAILABLE. */
  groups?: GroupServiceApi;
}

/** null: the request gets no response (Produce with acks 0). */
type Handler<K extends OpName> = (
  ctx: HandlerContext,
  body: RequestBody<K>,
) => Promise<ResponseBody<K> | null>;

export const HANDLERS: { [K in OpName]: Handler<K> } = {
  ApiVersions: (ctx) => Promise.resolve(apiVersionsBody(ctx)),
  Metadata: metadata,
  CreateTopics: async (ctx, body) => {
    const topics: TopicResult[] = [];
    for (const request of body.topics) {
      topics.push(await topicResult(request.name, () => ctx.broker.createTopic(request)));
    }
    return { topics };
  },
  DeleteTopics: async (ctx, body) => {
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
  },
  DescribeTopics: async (ctx, body) => {
    const topics: TopicResult[] = [];
    for (const name of body.topics) {
      topics.push(await topicResult(name, () => Promise.resolve(ctx.broker.describeTopic(name))));
    }
    return { topics };
  },
  ListTopics: (ctx) => Promise.resolve({ topics: ctx.broker.listTopics().map(topicSummaryWire) }),
  Produce: produce,
  Fetch: fetch,
  ListOffsets: listOffsets,
  InitProducerId: async (ctx) => {
    const { producerId, producerEpoch } = await ctx.broker.initProducerId();
    return { producerId, producerEpoch };
  },
  ...GROUP_HANDLERS,
};

export function apiVersionsBody(
  ctx: Pick<HandlerContext, "broker" | "serverVersion" | "frameBytesMax">,
): ResponseBody<"ApiVersions"> {
  const apis = (Object.keys(Op) as OpName[]).map((name) => ({
    op: Op[name],
    name,
    minVersion: OP_VERSIONS[name].min,
    maxVersion: OP_VERSIONS[name].max,
  }));
  return {
    nodeId: ctx.broker.nodeId,
    serverVersion: ctx.serverVersion,
    frameBytesMax: ctx.frameBytesMax,
    apis,
  };
}

async function metadata(
  ctx: HandlerContext,
  body: RequestBody<"Metadata">,
): Promise<ResponseBody<"Metadata">> {
  // An empty list: the cluster part only. Asking the broker for named topics would start
  // auto-creating the missing ones, which allowAutoTopicCreation false must not do.
  const cluster = ctx.broker.metadata(body.topics === null ? undefined : []);
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

function produce(
  ctx: HandlerContext,
  body: RequestBody<"Produce">,
): Promise<ResponseBody<"Produce"> | null> {
  // Every broker.produce call happens here, synchronously, in request order.
  const results = body.partitions.map(({ topic, partition, records }) =>
    produceNow(ctx.broker, {
      topic,
      partition,
      batches: records,
      acks: body.acks,
      timeoutMs: body.timeoutMs,
    }).then(
      (r) => ({
        topic,
        partition,
        error: null,
        baseOffset: r.baseOffset,
        lastOffset: r.lastOffset,
        logAppendTimeMs: r.logAppendTimeMs,
        logStartOffset: r.logStartOffset,
      }),
      (err: unknown) => ({
        topic,
        partition,
        error: toWireError(err),
        baseOffset: -1,
        lastOffset: -1,
        logAppendTimeMs: -1,
        logStartOffset: -1,
      }),
    )
  );
  return Promise.all(results).then((partitions) => (body.acks === 0 ? null : { partitions }));
}

/** broker.produce, called now; a synchronous throw becomes a rejection like any other failure. */
function produceNow(broker: BrokerApi, request: ProduceRequest): Promise<ProduceResult> {
  try {
    return broker.produce(request);
  } catch (err) {
    return Promise.reject(err);
  }
}

/** Room kept in a Fetch response frame for everything around the record bytes. */
const FETCH_RESPONSE_ROOM_BYTES = 64 * 1024;

async function fetch(
  ctx: HandlerContext,
  body: RequestBody<"Fetch">,
): Promise<ResponseBody<"Fetch">> {
  // The answer must fit one frame the client accepts; maxBytes beyond that are trimmed.
  const bytesCap = Math.max(1, ctx.frameBytesMax - FETCH_RESPONSE_ROOM_BYTES);
  const results = await ctx.broker.fetch({
    partitions: body.partitions.map((p) => ({ ...p, maxBytes: Math.min(p.maxBytes, bytesCap) })),
    maxWaitMs: body.maxWaitMs,
    minBytes: Math.min(body.minBytes, bytesCap),
    maxBytes: Math.min(body.maxBytes, bytesCap),
    signal: ctx.signal,
  });
  return {
    partitions: results.map((r) => ({
      topic: r.topic,
      partition: r.partition,
      error: r.error === undefined ? null : wireErrorOf(r.error, r.errorMessage),
      highWatermark: r.highWatermark,
      logStartOffset: r.logStartOffset,
      records: r.records,
    })),
  };
}

async function listOffsets(
  ctx: HandlerContext,
  body: RequestBody<"ListOffsets">,
): Promise<ResponseBody<"ListOffsets">> {
  const partitions: ResponseBody<"ListOffsets">["partitions"] = [];
  for (const { topic, partition, timestamp } of body.partitions) {
    try {
      const r = await ctx.broker.listOffsets(topic, partition, offsetSpec(timestamp));
      partitions.push({
        topic,
        partition,
        error: null,
        offset: r.offset,
        timestampMs: r.timestampMs,
      });
    } catch (err) {
      partitions.push({ topic, partition, error: toWireError(err), offset: -1, timestampMs: -1 });
    }
  }
  return { partitions };
}

function offsetSpec(timestamp: number): OffsetSpec {
  if (timestamp === ListOffsetsTimestamp.Earliest) return "earliest";
  if (timestamp === ListOffsetsTimestamp.Latest) return "latest";
  return { timestampMs: timestamp };
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

// The wire shapes are spelled out field by field: the wire contract is this file and the docs,
// not whatever else a broker object happens to carry.

function endpointWire(b: BrokerEndpoint): BrokerEndpoint {
  const out: BrokerEndpoint = { nodeId: b.nodeId, host: b.host, port: b.port };
  if (b.httpPort !== undefined) out.httpPort = b.httpPort;
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
