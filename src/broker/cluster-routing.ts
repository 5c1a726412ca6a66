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

/**
 * Null when this broker leads the partition; otherwise the error a client retries on (after
 * refreshing metadata): unknown topic or partition, no leader, or another broker leads it.
 */
export function leadershipRefusal(
  image: MetadataImage,
  nodeId: number,
  topic: string,
  partition: number,
): TributaryError | null {
  const p = image.topic(topic)?.partitions[partition];
  if (p === undefined || !Number.isInteger(partition)) {
    return new TributaryError(
      "UNKNOWN_TOPIC_OR_PARTITION",
      `unknown partition ${String(topic)}-${String(partition)}`,
    );
  }
  if (p.leader === nodeId) return null;
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
    out.push({
      nodeId: b.brokerId,
      host: cbor.host,
      port: cbor.port,
      ...(http === undefined ? {} : { httpPort: http.port }),
      rack: b.rack,
      ...(withState ? { state: b.fenced ? "fenced" as const : "running" as const } : {}),
    });
  }
  return out;
}
