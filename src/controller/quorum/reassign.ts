// Partition reassignment, after Kafka's KIP-455, simplified. Two steps, each one
// PartitionChangeRecord:
//
// 1. The request: replicas become current ++ (target - current), and the partition keeps the
//    target and the replicas it added (targetReplicas, addingReplicas) durably in the image.
//    The leader replicates to the new replicas as to any follower and admits them to the ISR
//    (AlterPartition) once they have caught up.
// 2. Decided in the same decision as the change that makes the ISR hold every target replica:
//    replicas = target, ISR = ISR ∩ target (never empty: it holds the whole target), target
//    cleared. A leader outside the target is replaced by the first eligible target member in the
//    ISR, a normal election (new leader epoch). With none eligible (the target is fenced), the
//    step waits for a later change.
//
// Cancelling (null target) returns to the replicas from before step 1 (replicas - adding), with
// the ISR cut to them; when that would leave the ISR empty the cancel is refused, since the only
// in-sync copies are on the replicas being removed.
import { TributaryError } from "../../model/errors.ts";
import type { Batch } from "./batch.ts";
import { isEligible } from "./elections.ts";
import {
  NO_LEADER,
  type PartitionChangeRecord,
  type PartitionView,
  type TopicView,
} from "./image-view.ts";

export interface ReassignmentItem {
  topic: string;
  partition: number;
  /** The replicas to move to, in preference order; null cancels a reassignment in progress. */
  replicas: number[] | null;
}

/** A partition as a reassignment request leaves it; targetReplicas null: none in progress. */
export interface ReassignmentState {
  topic: string;
  partition: number;
  replicas: number[];
  isr: number[];
  leader: number;
  targetReplicas: number[] | null;
}

/** Replicas of one partition in a reassignment; the metadata records' bound. */
export const REASSIGN_REPLICAS_MAX = 128;

/** Checks every item first, so a bad one refuses the whole request and changes nothing. */
export function reassignPartitions(batch: Batch, items: readonly ReassignmentItem[]): void {
  const seen = new Set<string>();
  const checked = items.map((item) => {
    const { topic, p } = existing(batch, item);
    const key = `${item.topic}\u0000${item.partition}`;
    if (seen.has(key)) {
      throw new TributaryError(
        "INVALID_REQUEST",
        `${item.topic}-${item.partition} is named twice in one request`,
      );
    }
    seen.add(key);
    const name = `${item.topic}-${item.partition}`;
    if (item.replicas === null) {
      cancelled(item, p);
      return { topic, item, fields: null };
    }
    checkTarget(batch, item, item.replicas);
    return { topic, item, fields: started(name, p, item.replicas) };
  });
  for (const { topic, item, fields } of checked) {
    const p = batch.image.topicById(topic.topicId)!.partitions[item.partition];
    if (item.replicas === null) cancel(batch, topic, p);
    else if (fields !== null) start(batch, topic.topicId, p, fields);
    completeReassignment(batch, topic.topicId, item.partition);
  }
}

/**
 * Step 2 for one partition, when its ISR now holds every target replica and one of them can lead.
 * Does nothing otherwise (no reassignment, or not yet).
 */
export function completeReassignment(batch: Batch, topicId: string, partition: number): void {
  const p = batch.image.topicById(topicId)?.partitions[partition];
  const target = p?.targetReplicas;
  if (p === undefined || target === undefined) return;
  if (!target.every((b) => p.isr.includes(b))) return;
  const isr = p.isr.filter((b) => target.includes(b));
  if (target.includes(p.leader)) {
    batch.changePartition(topicId, partition, { replicas: [...target], isr, targetReplicas: null });
    return;
  }
  const leader = target.find((b) => isEligible(batch.image, b)) ?? NO_LEADER;
  // A leaderless partition whose target is wholly fenced: step 2 waits for an unfencing.
  if (leader === NO_LEADER) return;
  batch.changePartition(topicId, partition, {
    replicas: [...target],
    isr,
    leader,
    targetReplicas: null,
  });
}

function existing(batch: Batch, item: ReassignmentItem): { topic: TopicView; p: PartitionView } {
  const topic = batch.image.topic(item.topic);
  const p = topic?.partitions[item.partition];
  if (topic === undefined || p === undefined) {
    throw new TributaryError(
      "UNKNOWN_TOPIC_OR_PARTITION",
      `no partition ${item.topic}-${String(item.partition)}`,
    );
  }
  return { topic, p };
}

function checkTarget(batch: Batch, item: ReassignmentItem, target: readonly number[]): void {
  const name = `${item.topic}-${item.partition}`;
  const bad = (why: string): never => {
    throw new TributaryError("INVALID_REPLICA_ASSIGNMENT", `replicas of ${name}: ${why}`);
  };
  if (target.length < 1 || target.length > REASSIGN_REPLICAS_MAX) {
    bad(`a partition has 1 to ${REASSIGN_REPLICAS_MAX} replicas, not ${target.length}`);
  }
  if (new Set(target).size !== target.length) bad("a broker is named twice");
  for (const b of target) {
    if (!Number.isSafeInteger(b) || b < 0) bad(`${String(b)} is not a broker id`);
    if (batch.image.broker(b) === undefined) bad(`broker ${b} is not registered`);
  }
}

/** The replicas a cancel returns to, or the refusal that leaves the partition as it is. */
function cancelled(item: ReassignmentItem, p: PartitionView): number[] | null {
  if (p.targetReplicas === undefined || p.addingReplicas === undefined) return null;
  const adding = p.addingReplicas;
  const original = p.replicas.filter((b) => !adding.includes(b));
  if (!p.isr.some((b) => original.includes(b))) {
    throw new TributaryError(
      "INVALID_REPLICA_ASSIGNMENT",
      `${item.topic}-${item.partition}: no replica from before the reassignment is in sync; ` +
        "cancelling would leave no in-sync replica",
    );
  }
  return original;
}

function cancel(batch: Batch, topic: TopicView, p: PartitionView): void {
  const original = cancelled({ topic: topic.name, partition: p.partition, replicas: null }, p);
  if (original === null) return; // nothing in progress: nothing to cancel
  const isr = p.isr.filter((b) => original.includes(b));
  const fields = { replicas: original, isr, targetReplicas: null };
  if (p.leader === NO_LEADER || original.includes(p.leader)) {
    batch.changePartition(topic.topicId, p.partition, fields);
    return;
  }
  const leader = original.find((b) => isr.includes(b) && isEligible(batch.image, b)) ??
    NO_LEADER;
  batch.changePartition(topic.topicId, p.partition, { ...fields, leader });
}

type StartFields = Required<
  Pick<PartitionChangeRecord, "replicas" | "isr" | "targetReplicas" | "addingReplicas">
>;

/** Step 1's change for a new target; null when there is nothing to do; throws a refusal. */
function started(name: string, p: PartitionView, target: readonly number[]): StartFields | null {
  const sameTarget = p.targetReplicas !== undefined &&
    p.targetReplicas.length === target.length &&
    p.targetReplicas.every((b, i) => b === target[i]);
  if (sameTarget) return null;
  // A new target replaces one in progress: it starts from the replicas before the old one.
  const previousAdding = p.addingReplicas ?? [];
  const original = p.replicas.filter((b) => !previousAdding.includes(b));
  const adding = target.filter((b) => !original.includes(b));
  const replicas = [...original, ...adding];
  const unchanged = p.targetReplicas === undefined && adding.length === 0 &&
    target.length === p.replicas.length && target.every((b, i) => b === p.replicas[i]);
  if (unchanged) return null;
  // Only a replaced target can drop an ISR member here (one it had added).
  const isr = p.isr.filter((b) => replicas.includes(b));
  if (isr.length === 0) {
    throw new TributaryError(
      "INVALID_REPLICA_ASSIGNMENT",
      `${name}: the new target leaves no in-sync replica`,
    );
  }
  return { replicas, isr, targetReplicas: [...target], addingReplicas: adding };
}

function start(batch: Batch, topicId: string, p: PartitionView, fields: StartFields): void {
  if (p.leader === NO_LEADER || fields.isr.includes(p.leader)) {
    batch.changePartition(topicId, p.partition, fields);
    return;
  }
  const leader =
    fields.replicas.find((b) => fields.isr.includes(b) && isEligible(batch.image, b)) ??
      NO_LEADER;
  batch.changePartition(topicId, p.partition, { ...fields, leader });
}
