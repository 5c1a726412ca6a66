// Metadata (op 2): brokers, topics, partitions, leaders (docs/protocol.md §6.2).
//
//   request v1  = {? "topics": [* text] / null,         ; absent or null: every topic
//                  ? "allowAutoTopicCreation": bool,    ; default true
//                  ? "includeFencedBrokers": bool}      ; default false
//   response v1 = {"clusterId": text, "controllerId": int, "brokers": [* BrokerEndpoint],
//                  "topics": [* MetadataTopic]}
//   MetadataTopic = TopicDescription + {"error": WireError / null}
//
// Every topic (topics null), or one entry per distinct named topic in request order; a named
// topic that cannot be described gets an entry with its error (UNKNOWN_TOPIC_OR_PARTITION, or
// INVALID_TOPIC_EXCEPTION), internal false, configs {} and partitions [].
// BrokerEndpoint and TopicDescription: topic-shapes.ts. "rack" on brokers came with the cluster
// operations as an optional key: older clients ignore it, and this client takes it when present,
// so v1 still serves both. controllerId is the active controller (this node when single-node).
// "includeFencedBrokers" (Kafka's DescribeCluster v2 flag) came the same way: with it every
// registered broker is listed, each with its "state"; an older server ignores it and lists the
// live ones without a state.

import type { TopicDescription } from "../../../model/descriptions.ts";
import { readWireError, type WireError } from "../envelope.ts";
import { type CborMap, Shape } from "../shape.ts";
import type { OpModule } from "./op-module.ts";
import { type BrokerEndpointWire, readEndpoint, readTopicDescription } from "./topic-shapes.ts";

export interface MetadataRequest {
  /** null: every topic. A named topic that does not exist gets an entry with its error. */
  topics: string[] | null;
  /** Default true: honoured only when the broker has auto-creation on. */
  allowAutoTopicCreation?: boolean;
  /** Default false: only live brokers, without a state. */
  includeFencedBrokers?: boolean;
}

/**
 * One topic of a Metadata answer. With `error` set (UNKNOWN_TOPIC_OR_PARTITION, or
 * INVALID_TOPIC_EXCEPTION for a name that cannot exist), the topic was named but could not be
 * described: `internal` is false, `configs` empty and `partitions` empty.
 */
export interface MetadataTopic extends TopicDescription {
  error: WireError | null;
}

export interface MetadataResponse {
  clusterId: string;
  controllerId: number;
  /** Each with its rack (null: none) from servers that know racks. */
  brokers: BrokerEndpointWire[];
  /** Every topic (topics null), or one entry per distinct named topic, in request order. */
  topics: MetadataTopic[];
}

export const metadataOp: OpModule<MetadataRequest, MetadataResponse> = {
  versions: { min: 1, max: 1 },
  requestValidators: { 1: requestV1 },
  validateResponse: (shape, m) => ({
    clusterId: shape.text(m, "clusterId", "body"),
    controllerId: shape.safeInt(m, "controllerId", "body"),
    brokers: shape.list(m, "brokers", "body", (item, path) => readEndpoint(shape, item, path)),
    topics: shape.list(m, "topics", "body", (item, path) => ({
      ...readTopicDescription(shape, item, path),
      error: readWireError(shape, (item as CborMap).error),
    })),
  }),
};

function requestV1(body: unknown): MetadataRequest {
  const shape = new Shape("INVALID_REQUEST", "Metadata v1");
  const m = shape.map(body, "body");
  const topics = shape.nullable(
    m,
    "topics",
    () => shape.list(m, "topics", "body", (t, path) => shape.textValue(t, path)),
  );
  const allow = shape.optBool(m, "allowAutoTopicCreation", "body");
  const fenced = shape.optBool(m, "includeFencedBrokers", "body");
  return {
    topics,
    ...(allow === undefined ? {} : { allowAutoTopicCreation: allow }),
    ...(fenced === undefined ? {} : { includeFencedBrokers: fenced }),
  };
}
