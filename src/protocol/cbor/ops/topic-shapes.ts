// Shapes several topic and data-path operations share, and their response validators
// (docs/protocol.md §6, "Shared shapes"):
//
//   BrokerEndpoint       = {"nodeId": int, "host": text, "port": uint16, ? "httpPort": uint16,
//                           ? "rack": text / null,          ; servers send it; null: no rack
//                           ? "state": "running" / "fenced"} ; Metadata includeFencedBrokers
//   TopicDescription     = {"name": text, "internal": bool, "configs": {* text => text},
//                           "partitions": [* PartitionDescription]}
//   PartitionDescription = {"partition": int, "leader": int, "leaderEpoch": int,
//                           "replicas": [* int], "isr": [* int], "logStartOffset": int,
//                           "highWatermark": int, "sizeBytes": uint}
//   TopicResult          = {"name": text, "error": WireError / null,
//                           "topic": TopicDescription / null}    ; topic null when error is set
//
// The client takes an absent "internal" as false.

import {
  BROKER_STATES,
  type BrokerEndpoint,
  type BrokerState,
  type PartitionDescription,
  type TopicDescription,
} from "../../../model/descriptions.ts";
import { readWireError, type WireError } from "../envelope.ts";
import type { CborMap, Shape } from "../shape.ts";

/** A broker as Metadata describes it: the model's endpoint and, where known, its rack. */
export interface BrokerEndpointWire extends BrokerEndpoint {
  /** Absent from servers older than the cluster operations; null: the broker has no rack. */
  rack?: string | null;
}

/** One topic of a CreateTopics or DescribeTopics answer. */
export interface TopicResult {
  name: string;
  error: WireError | null;
  /** The created or described topic; null when error is set. */
  topic: TopicDescription | null;
}

/** The `topics` list of a CreateTopics or DescribeTopics response. */
export function readTopicResults(shape: Shape, m: CborMap): TopicResult[] {
  return shape.list(m, "topics", "body", (item, path) => {
    const t = shape.map(item, path);
    return {
      name: shape.text(t, "name", path),
      error: readWireError(shape, t.error),
      topic: shape.nullable(
        t,
        "topic",
        (value) => readTopicDescription(shape, value, `${path}.topic`),
      ),
    };
  });
}

/** The topic and partition every per-partition result starts with. */
export function readTopicPartition(
  shape: Shape,
  p: CborMap,
  path: string,
): { topic: string; partition: number } {
  return { topic: shape.text(p, "topic", path), partition: shape.safeInt(p, "partition", path) };
}

export function readEndpoint(shape: Shape, item: unknown, path: string): BrokerEndpointWire {
  const b = shape.map(item, path);
  const out: BrokerEndpointWire = {
    nodeId: shape.safeInt(b, "nodeId", path),
    host: shape.text(b, "host", path),
    port: shape.int(b, "port", path, 0, 65535),
  };
  const httpPort = shape.optInt(b, "httpPort", path, 0, 65535);
  if (httpPort !== undefined) out.httpPort = httpPort;
  if (b.rack !== undefined) {
    out.rack = shape.nullable(b, "rack", (v) => shape.textValue(v, `${path}.rack`));
  }
  if (b.state !== undefined) out.state = brokerState(shape, b.state, `${path}.state`);
  return out;
}

function brokerState(shape: Shape, value: unknown, path: string): BrokerState {
  const text = shape.textValue(value, path);
  if (!(BROKER_STATES as readonly string[]).includes(text)) {
    shape.fail(path, `one of ${BROKER_STATES.join(", ")}`);
  }
  return text as BrokerState;
}

export function readTopicDescription(shape: Shape, item: unknown, path: string): TopicDescription {
  const t = shape.map(item, path);
  return {
    name: shape.text(t, "name", path),
    internal: shape.optBool(t, "internal", path) ?? false,
    configs: shape.textMap(t, "configs", path),
    partitions: shape.list(
      t,
      "partitions",
      path,
      (p, pPath) => readPartitionDescription(shape, p, pPath),
    ),
  };
}

function readPartitionDescription(shape: Shape, item: unknown, path: string): PartitionDescription {
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
