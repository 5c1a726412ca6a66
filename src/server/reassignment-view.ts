// A partition's reassignment as GET /v1/topics/:topic/partitions/:p/reassignment shows it, read
// from a metadata image: the target and the replicas it adds and drops (Kafka's
// ListPartitionReassignments: replicas, addingReplicas, removingReplicas).
import type { ReassignmentBody } from "../http/cluster-api.ts";
import type { MetadataImage } from "../metadata/image.ts";
import { TributaryError } from "../model/errors.ts";

export function reassignmentOf(
  image: MetadataImage,
  topic: string,
  partition: number,
): ReassignmentBody {
  const p = image.topic(topic)?.partitions[partition];
  if (p === undefined) {
    throw new TributaryError(
      "UNKNOWN_TOPIC_OR_PARTITION",
      image.topic(topic) === undefined
        ? `unknown topic ${topic}`
        : `topic "${topic}" has no partition ${partition}`,
    );
  }
  const target = p.targetReplicas ?? null;
  return {
    topic,
    partition,
    replicas: [...p.replicas],
    isr: [...p.isr],
    leader: p.leader,
    targetReplicas: target === null ? null : [...target],
    addingReplicas: target === null ? [] : [...(p.addingReplicas ?? [])],
    removingReplicas: target === null ? [] : p.replicas.filter((b) => !target.includes(b)),
  };
}
