// What a broker in a cluster answers from the metadata image it applied: whether it may serve a
// partition's produce, consumer fetch and list offsets (only its leader may), and which brokers
// clients can reach. A single-node broker leads everything it has and never asks.
import { TributaryError } from "../model/errors.ts";
import type { BrokerEndpoint, MetadataOptions } from "../model/descriptions.ts";
import { NO_LEADER } from "../metadata/cluster-records.ts";
import type { MetadataImage } from "../metadata/image.ts";

/** The listener names a registration advertises for the CBOR and HTTP faces. */
export const CBOR_LISTENER = "cbor";
export const HTTP_LISTENER = "http";
/** The Kafka wire protocol listener's name in a registration (docs/kafka.md). */
export const KAFKA_LISTENER = "kafka";

/**
 * Null when this broker leads the partition; otherwise the error a client retries on (after
 * refreshing metadata): unknown topic or partition, no leader, or another broker leads it.
 */
export function leadershipRefusal(
  image: MetadataImage,
  nodeId: number,
  topic: string,
  partition: number,
  currentLeaderEpoch?: number,
): TributaryError | null {
  const p = image.topic(topic)?.partitions[partition];
  if (p === undefined || !Number.isInteger(partition)) {
    return new TributaryError(
      "UNKNOWN_TOPIC_OR_PARTITION",
      `unknown partition ${String(topic)}-${String(partition)}`,
    );
  }
  if (p.leader === nodeId) return epochRefusal(topic, partition, p.leaderEpoch, currentLeaderEpoch);
  if (p.leader === NO_LEADER) {
    return new TributaryError(
      "LEADER_NOT_AVAILABLE",
      `${topic}-${partition} has no leader (leader epoch ${p.leaderEpoch})`,
    );
  }
  return new TributaryError(
    "NOT_LEADER_OR_FOLLOWER",
    `broker ${nodeId} does not lead ${topic}-${partition}; the leader is broker ${p.leader} (leader epoch ${p.leaderEpoch})`,
  );
}

/**
 * KIP-320's check of the leader epoch a consumer saw in metadata: a client that knows a newer
 * epoch than this broker's image (a leader cut off from the controller, still sure it leads) must
 * not read here, or a fetch beyond this stale log answers OFFSET_OUT_OF_RANGE and the consumer
 * resets its position; a client behind this broker refreshes its metadata.
 */
export function epochRefusal(
  topic: string,
  partition: number,
  leaderEpoch: number,
  currentLeaderEpoch: number | undefined,
): TributaryError | null {
  if (currentLeaderEpoch === undefined || currentLeaderEpoch < 0) return null;
  if (currentLeaderEpoch > leaderEpoch) {
    return new TributaryError(
      "UNKNOWN_LEADER_EPOCH",
      `${topic}-${partition}: this broker knows leader epoch ${leaderEpoch}, the request is for ${currentLeaderEpoch}`,
    );
  }
  if (currentLeaderEpoch < leaderEpoch) {
    return new TributaryError(
      "FENCED_LEADER_EPOCH",
      `${topic}-${partition} is led in epoch ${leaderEpoch}, the request is for ${currentLeaderEpoch}`,
    );
  }
  return null;
}

/**
 * Every registered, unfenced broker that advertises a CBOR listener, by ascending id; with
 * includeFencedBrokers the fenced ones too, and each with its state.
 */
export function clusterBrokers(
  image: MetadataImage,
  options: MetadataOptions = {},
): BrokerEndpoint[] {
  const out: BrokerEndpoint[] = [];
  const withState = options.includeFencedBrokers === true;
  for (const b of image.brokers()) {
    if (b.fenced && !withState) continue;
    const cbor = b.endpoints.find((e) => e.listener === CBOR_LISTENER);
    if (cbor === undefined) continue;
    const http = b.endpoints.find((e) => e.listener === HTTP_LISTENER);
    const kafka = b.endpoints.find((e) => e.listener === KAFKA_LISTENER);
    out.push({
      nodeId: b.brokerId,
      host: cbor.host,
      port: cbor.port,
      ...(http === undefined ? {} : { httpPort: http.port }),
      ...(kafka === undefined ? {} : { kafkaPort: kafka.port }),
      rack: b.rack,
      ...(withState ? { state: b.fenced ? "fenced" as const : "running" as const } : {}),
    });
  }
  return out;
}
