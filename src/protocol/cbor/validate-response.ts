// Response body validators for the client: a response that does not match its operation's
// shape fails with UNKNOWN_SERVER_ERROR instead of surfacing as a TypeError somewhere later.

import type {
  BrokerEndpoint,
  PartitionDescription,
  TopicDescription,
  TopicSummary,
} from "../../model/descriptions.ts";
import { readWireError } from "./envelope.ts";
import type { Operations, OpName, ResponseBody, TopicResult } from "./messages.ts";
import { type CborMap, Shape } from "./shape.ts";
import { GROUP_RESPONSE_VALIDATORS } from "./validate-group-response.ts";

/** Responses describe whole clusters; their lists may be far longer than any request's. */
const RESPONSE_LIST_LENGTH_MAX = 10_000_000;
const SAFE = Number.MAX_SAFE_INTEGER;

type Validators = { [K in OpName]: (shape: Shape, m: CborMap) => Operations[K]["response"] };

const VALIDATORS: Validators = {
  ApiVersions: (shape, m) => ({
    nodeId: shape.safeInt(m, "nodeId", "body"),
    serverVersion: shape.text(m, "serverVersion", "body"),
    frameBytesMax: shape.int(m, "frameBytesMax", "body", 1, SAFE),
    apis: shape.list(m, "apis", "body", (item, path) => {
      const a = shape.map(item, path);
      return {
        op: shape.int(a, "op", path, 0, SAFE),
        name: shape.text(a, "name", path),
        minVersion: shape.int(a, "minVersion", path, 0, SAFE),
        maxVersion: shape.int(a, "maxVersion", path, 0, SAFE),
      };
    }),
  }),
  Metadata: (shape, m) => ({
    clusterId: shape.text(m, "clusterId", "body"),
    controllerId: shape.safeInt(m, "controllerId", "body"),
    brokers: shape.list(m, "brokers", "body", (item, path) => endpoint(shape, item, path)),
    topics: shape.list(m, "topics", "body", (item, path) => ({
      ...topicDescription(shape, item, path),
      error: readWireError(shape, (item as CborMap).error),
    })),
  }),
  CreateTopics: (shape, m) => ({ topics: topicResults(shape, m) }),
  DeleteTopics: (shape, m) => ({
    topics: shape.list(m, "topics", "body", (item, path) => {
      const t = shape.map(item, path);
      return { name: shape.text(t, "name", path), error: readWireError(shape, t.error) };
    }),
  }),
  DescribeTopics: (shape, m) => ({ topics: topicResults(shape, m) }),
  ListTopics: (shape, m) => ({
    topics: shape.list(m, "topics", "body", (item, path) => topicSummary(shape, item, path)),
  }),
  Produce: (shape, m) => ({
    partitions: shape.list(m, "partitions", "body", (item, path) => {
      const p = shape.map(item, path);
      return {
        ...topicPartition(shape, p, path),
        error: readWireError(shape, p.error),
        baseOffset: shape.safeInt(p, "baseOffset", path),
        lastOffset: shape.safeInt(p, "lastOffset", path),
        logAppendTimeMs: shape.safeInt(p, "logAppendTimeMs", path),
        logStartOffset: shape.safeInt(p, "logStartOffset", path),
      };
    }),
  }),
  Fetch: (shape, m) => ({
    partitions: shape.list(m, "partitions", "body", (item, path) => {
      const p = shape.map(item, path);
      return {
        ...topicPartition(shape, p, path),
        error: readWireError(shape, p.error),
        highWatermark: shape.safeInt(p, "highWatermark", path),
        logStartOffset: shape.safeInt(p, "logStartOffset", path),
        records: shape.bytes(p, "records", path),
      };
    }),
  }),
  ListOffsets: (shape, m) => ({
    partitions: shape.list(m, "partitions", "body", (item, path) => {
      const p = shape.map(item, path);
      return {
        ...topicPartition(shape, p, path),
        error: readWireError(shape, p.error),
        offset: shape.safeInt(p, "offset", path),
        timestampMs: shape.safeInt(p, "timestampMs", path),
      };
    }),
  }),
  InitProducerId: (shape, m) => ({
    producerId: shape.safeInt(m, "producerId", "body"),
    producerEpoch: shape.safeInt(m, "producerEpoch", "body"),
  }),
  ...GROUP_RESPONSE_VALIDATORS,
};

export function validateResponse<K extends OpName>(op: K, body: unknown): ResponseBody<K> {
  const shape = new Shape(
    "UNKNOWN_SERVER_ERROR",
    `malformed ${op} response`,
    RESPONSE_LIST_LENGTH_MAX,
  );
  const validator = VALIDATORS[op] as (shape: Shape, m: CborMap) => ResponseBody<K>;
  return validator(shape, shape.map(body, "body"));
}

function topicPartition(
  shape: Shape,
  p: CborMap,
  path: string,
): { topic: string; partition: number } {
  return { topic: shape.text(p, "topic", path), partition: shape.safeInt(p, "partition", path) };
}

function topicResults(shape: Shape, m: CborMap): TopicResult[] {
  return shape.list(m, "topics", "body", (item, path) => {
    const t = shape.map(item, path);
    return {
      name: shape.text(t, "name", path),
      error: readWireError(shape, t.error),
      topic: shape.nullable(t, "topic", (value) => topicDescription(shape, value, `${path}.topic`)),
    };
  });
}

function endpoint(shape: Shape, item: unknown, path: string): BrokerEndpoint {
  const b = shape.map(item, path);
  const out: BrokerEndpoint = {
    nodeId: shape.safeInt(b, "nodeId", path),
    host: shape.text(b, "host", path),
    port: shape.int(b, "port", path, 0, 65535),
  };
  const httpPort = shape.optInt(b, "httpPort", path, 0, 65535);
  if (httpPort !== undefined) out.httpPort = httpPort;
  return out;
}

function topicSummary(shape: Shape, item: unknown, path: string): TopicSummary {
  const t = shape.map(item, path);
  return {
    name: shape.text(t, "name", path),
    partitions: shape.safeInt(t, "partitions", path),
    replicationFactor: shape.safeInt(t, "replicationFactor", path),
    internal: shape.optBool(t, "internal", path) ?? false,
  };
}

function topicDescription(shape: Shape, item: unknown, path: string): TopicDescription {
  const t = shape.map(item, path);
  return {
    name: shape.text(t, "name", path),
    internal: shape.optBool(t, "internal", path) ?? false,
    configs: shape.textMap(t, "configs", path),
    partitions: shape.list(
      t,
      "partitions",
      path,
      (p, pPath) => partitionDescription(shape, p, pPath),
    ),
  };
}

function partitionDescription(shape: Shape, item: unknown, path: string): PartitionDescription {
  const p = shape.map(item, path);
  return {
    partition: shape.safeInt(p, "partition", path),
    leader: shape.safeInt(p, "leader", path),
    leaderEpoch: shape.safeInt(p, "leaderEpoch", path),
    replicas: shape.intList(p, "replicas", path),
    isr: shape.intList(p, "isr", path),
    logStartOffset: shape.safeInt(p, "logStartOffset", path),
    highWatermark: shape.safeInt(p, "highWatermark", path),
    sizeBytes: shape.safeInt(p, "sizeBytes", path),
  };
}
