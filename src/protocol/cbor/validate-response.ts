// Response body validators for the client: a response that does not match its operation's
// shape fails with UNKNOWN_SERVER_ERROR instead of surfacing as a TypeError somewhere later.

import type {
  BrokerEndpoint,
  PartitionDescription,
  TopicDescription,
  TopicSummary,
} from "../../broker/types.ts";
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
    nodeId: int(shape, m, "nodeId", "body"),
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
    controllerId: int(shape, m, "controllerId", "body"),
    brokers: shape.list(m, "brokers", "body", (item, path) => endpoint(shape, item, path)),
    topics: shape.list(m, "topics", "body", (item, path) => topicDescription(shape, item, path)),
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
        baseOffset: int(shape, p, "baseOffset", path),
        lastOffset: int(shape, p, "lastOffset", path),
        logAppendTimeMs: int(shape, p, "logAppendTimeMs", path),
        logStartOffset: int(shape, p, "logStartOffset", path),
      };
    }),
  }),
  Fetch: (shape, m) => ({
    partitions: shape.list(m, "partitions", "body", (item, path) => {
      const p = shape.map(item, path);
      return {
        ...topicPartition(shape, p, path),
        error: readWireError(shape, p.error),
        highWatermark: int(shape, p, "highWatermark", path),
        logStartOffset: int(shape, p, "logStartOffset", path),
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
        offset: int(shape, p, "offset", path),
        timestampMs: int(shape, p, "timestampMs", path),
      };
    }),
  }),
  InitProducerId: (shape, m) => ({
    producerId: int(shape, m, "producerId", "body"),
    producerEpoch: int(shape, m, "producerEpoch", "body"),
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

function int(shape: Shape, m: CborMap, key: string, path: string): number {
  return shape.int(m, key, path, -SAFE, SAFE);
}

function topicPartition(
  shape: Shape,
  p: CborMap,
  path: string,
): { topic: string; partition: number } {
  return { topic: shape.text(p, "topic", path), partition: int(shape, p, "partition", path) };
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
    nodeId: int(shape, b, "nodeId", path),
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
    partitions: int(shape, t, "partitions", path),
    replicationFactor: int(shape, t, "replicationFactor", path),
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
    partition: int(shape, p, "partition", path),
    leader: int(shape, p, "leader", path),
    leaderEpoch: int(shape, p, "leaderEpoch", path),
    replicas: shape.intList(p, "replicas", path),
    isr: shape.intList(p, "isr", path),
    logStartOffset: int(shape, p, "logStartOffset", path),
    highWatermark: int(shape, p, "highWatermark", path),
    sizeBytes: int(shape, p, "sizeBytes", path),
  };
}
