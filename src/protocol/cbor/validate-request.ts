// Request body validators, one per operation and version. The server runs the one matching a
// request's (op, version) before calling the broker; the result is fully typed and bounded.

import { TributaryError } from "../../errors.ts";
import { FETCH_PARTITIONS_MAX } from "../../model/limits.ts";
import type { Acks } from "../../model/acks.ts";
import type { CreateTopicRequest } from "../../model/create-topic.ts";
import { MESSAGE_LIMITS, type Operations, type OpName, type RequestBody } from "./messages.ts";
import { emptyRequestBody, requestNameList, Shape } from "./shape.ts";
import { GROUP_VALIDATORS } from "./validate-group-request.ts";

const INT32_MAX = 0x7fff_ffff;
const SAFE = Number.MAX_SAFE_INTEGER;

type Validators = { [K in OpName]: Record<number, (body: unknown) => Operations[K]["request"]> };

const VALIDATORS: Validators = {
  ApiVersions: { 1: apiVersionsV1 },
  Metadata: { 1: metadataV1 },
  CreateTopics: { 1: createTopicsV1 },
  DeleteTopics: { 1: (body) => ({ topics: topicNames(body, "DeleteTopics v1") }) },
  DescribeTopics: { 1: (body) => ({ topics: topicNames(body, "DescribeTopics v1") }) },
  ListTopics: { 1: (body) => emptyRequestBody(body, "ListTopics v1") },
  Produce: { 1: produceV1 },
  Fetch: { 1: fetchV1 },
  ListOffsets: { 1: listOffsetsV1 },
  InitProducerId: { 1: initProducerIdV1 },
  ...GROUP_VALIDATORS,
};

/** Checks a request body; throws INVALID_REQUEST (or a more specific code) when it is wrong. */
export function validateRequest<K extends OpName>(
  op: K,
  version: number,
  body: unknown,
): RequestBody<K> {
  const validator = VALIDATORS[op][version] as ((body: unknown) => RequestBody<K>) | undefined;
  if (validator === undefined) {
    throw new TributaryError("UNSUPPORTED_VERSION", `${op} has no version ${version}`);
  }
  return validator(body);
}

function apiVersionsV1(body: unknown): RequestBody<"ApiVersions"> {
  const shape = new Shape("INVALID_REQUEST", "ApiVersions v1");
  const m = shape.map(body, "body");
  return {
    clientId: shape.text(m, "clientId", "body"),
    clientVersion: shape.text(m, "clientVersion", "body"),
  };
}

function metadataV1(body: unknown): RequestBody<"Metadata"> {
  const shape = new Shape("INVALID_REQUEST", "Metadata v1");
  const m = shape.map(body, "body");
  const topics = shape.nullable(
    m,
    "topics",
    () => shape.list(m, "topics", "body", (t, path) => shape.textValue(t, path)),
  );
  const allow = shape.optBool(m, "allowAutoTopicCreation", "body");
  return allow === undefined ? { topics } : { topics, allowAutoTopicCreation: allow };
}

function createTopicsV1(body: unknown): RequestBody<"CreateTopics"> {
  const shape = new Shape("INVALID_REQUEST", "CreateTopics v1");
  const m = shape.map(body, "body");
  const topics = shape.list(m, "topics", "body", (item, path) => {
    const t = shape.map(item, path);
    const topic: CreateTopicRequest = { name: shape.text(t, "name", path) };
    const partitions = shape.optInt(t, "partitions", path, -1, INT32_MAX);
    const replicationFactor = shape.optInt(t, "replicationFactor", path, -1, 0x7fff);
    if (partitions !== undefined) topic.partitions = partitions;
    if (replicationFactor !== undefined) topic.replicationFactor = replicationFactor;
    if (t.configs !== undefined && t.configs !== null) {
      topic.configs = shape.textMap(t, "configs", path);
    }
    return topic;
  });
  return { topics };
}

function topicNames(body: unknown, what: string): string[] {
  return requestNameList(body, what, "topics");
}

function produceV1(body: unknown): RequestBody<"Produce"> {
  const shape = new Shape("INVALID_REQUEST", "Produce v1");
  const m = shape.map(body, "body");
  const acks = shape.int(m, "acks", "body", -SAFE, SAFE);
  if (acks !== 0 && acks !== 1 && acks !== -1) {
    throw new TributaryError(
      "INVALID_REQUIRED_ACKS",
      `Produce v1: acks must be 0, 1 or -1, got ${acks}`,
    );
  }
  const timeoutMs = shape.int(m, "timeoutMs", "body", 0, MESSAGE_LIMITS.produceTimeoutMsMax);
  const partitions = shape.list(m, "partitions", "body", (item, path) => {
    const p = shape.map(item, path);
    return {
      topic: shape.text(p, "topic", path),
      partition: shape.partition(p, "partition", path),
      records: shape.bytes(p, "records", path),
    };
  });
  return { acks: acks as Acks, timeoutMs, partitions };
}

function fetchV1(body: unknown): RequestBody<"Fetch"> {
  const shape = new Shape("INVALID_REQUEST", "Fetch v1");
  const m = shape.map(body, "body");
  return {
    maxWaitMs: shape.int(m, "maxWaitMs", "body", 0, MESSAGE_LIMITS.fetchWaitMsMax),
    minBytes: shape.int(m, "minBytes", "body", 0, INT32_MAX),
    maxBytes: shape.int(m, "maxBytes", "body", 0, INT32_MAX),
    partitions: shape.list(m, "partitions", "body", (item, path) => {
      const p = shape.map(item, path);
      return {
        topic: shape.text(p, "topic", path),
        partition: shape.partition(p, "partition", path),
        offset: shape.int(p, "offset", path, -SAFE, SAFE),
        maxBytes: shape.int(p, "maxBytes", path, 0, INT32_MAX),
      };
    }, FETCH_PARTITIONS_MAX),
  };
}

function listOffsetsV1(body: unknown): RequestBody<"ListOffsets"> {
  const shape = new Shape("INVALID_REQUEST", "ListOffsets v1");
  const m = shape.map(body, "body");
  return {
    partitions: shape.list(m, "partitions", "body", (item, path) => {
      const p = shape.map(item, path);
      return {
        topic: shape.text(p, "topic", path),
        partition: shape.partition(p, "partition", path),
        timestamp: shape.int(p, "timestamp", path, -2, SAFE),
      };
    }),
  };
}

function initProducerIdV1(body: unknown): RequestBody<"InitProducerId"> {
  const shape = new Shape("INVALID_REQUEST", "InitProducerId v1");
  const m = shape.map(body, "body");
  if (m.transactionalId !== undefined && m.transactionalId !== null) {
    shape.fail("body.transactionalId", "absent or null (transactions are not supported yet)");
  }
  return {};
}
