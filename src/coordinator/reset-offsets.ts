// Turns ResetOffsets targets (earliest, latest, an offset, a timestamp) into one offset per
// partition, from the partitions' current bounds. Admin-only and rare: lookups run one by one.
import type { OffsetSpec } from "../model/offsets.ts";
import { compareStrings } from "../group/assignment.ts";
import { TributaryError } from "../model/errors.ts";
import type { CoordinatorBroker, ResetOffsetsTopicSpec, ResolvedOffset } from "./types.ts";

/** Partitions one reset may name in all (the coordinator's offsetsPerCommitMax default). */
const RESET_PARTITIONS_MAX = 10_000;

export async function resolveResetOffsets(
  broker: Pick<CoordinatorBroker, "listTopics" | "listOffsets" | "partitionOffsets">,
  topics: readonly ResetOffsetsTopicSpec[],
): Promise<ResolvedOffset[]> {
  const counts = new Map(broker.listTopics().map((t) => [t.name, t.partitions]));
  const seen = new Set<string>();
  const out: ResolvedOffset[] = [];
  for (const spec of topics) {
    const count = counts.get(spec.topic);
    if (count === undefined) {
      throw new TributaryError("UNKNOWN_TOPIC_OR_PARTITION", `unknown topic ${spec.topic}`);
    }
    const partitions = spec.partitions ?? Array.from({ length: count }, (_, p) => p);
    if (out.length + partitions.length > RESET_PARTITIONS_MAX) {
      throw new TributaryError(
        "INVALID_REQUEST",
        `a reset may name at most ${RESET_PARTITIONS_MAX} partitions`,
      );
    }
    for (const partition of partitions) {
      const key = `${spec.topic}\u0000${partition}`;
      if (seen.has(key)) {
        throw new TributaryError("INVALID_REQUEST", `${spec.topic}-${partition} is named twice`);
      }
      seen.add(key);
      out.push({ topic: spec.topic, partition, offset: await resolveOne(broker, spec, partition) });
    }
  }
  return out.sort((a, b) => compareStrings(a.topic, b.topic) || a.partition - b.partition);
}

async function resolveOne(
  broker: Pick<CoordinatorBroker, "listOffsets" | "partitionOffsets">,
  spec: ResetOffsetsTopicSpec,
  partition: number,
): Promise<number> {
  const bounds = broker.partitionOffsets(spec.topic, partition);
  if (bounds === undefined) {
    throw new TributaryError(
      "UNKNOWN_TOPIC_OR_PARTITION",
      `no partition ${spec.topic}-${partition}`,
    );
  }
  switch (spec.to) {
    case "earliest":
      return bounds.logStartOffset;
    case "latest":
      return bounds.highWatermark;
    case "offset": {
      const offset = required(spec.offset, "offset", spec.topic);
      return Math.min(Math.max(offset, bounds.logStartOffset), bounds.highWatermark);
    }
    case "timestamp": {
      const spec2: OffsetSpec = {
        timestampMs: required(spec.timestampMs, "timestampMs", spec.topic),
      };
      const found = await broker.listOffsets(spec.topic, partition, spec2);
      return found.offset < 0 ? bounds.highWatermark : found.offset;
    }
    default:
      throw new TributaryError("INVALID_REQUEST", `unknown reset target ${String(spec.to)}`);
  }
}

function required(value: number | null | undefined, name: string, topic: string): number {
  if (value == null || !Number.isSafeInteger(value) || value < 0) {
    throw new TributaryError("INVALID_REQUEST", `reset of ${topic} needs ${name} >= 0`);
  }
  return value;
}
