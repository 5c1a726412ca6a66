// AlterPartition: a partition leader asks to change its ISR. Checked as Kafka's controller checks
// it (ReplicationControlManager, KIP-497 / KIP-841), in this order, per partition:
//
// | check                                                         | error                      |
// |---------------------------------------------------------------|----------------------------|
// | topic id unknown (deleted)                                    | UNKNOWN_TOPIC_ID           |
// | no such partition                                             | UNKNOWN_TOPIC_OR_PARTITION |
// | leaderEpoch is not the partition's                            | FENCED_LEADER_EPOCH        |
// | the sender is not the partition's leader                      | NOT_LEADER_OR_FOLLOWER     |
// | newIsr has a duplicate                                        | INVALID_REQUEST            |
// | newIsr is the current ISR (a resend of what was committed)    | none: the current state    |
// | partitionEpoch is not the partition's                         | INVALID_UPDATE_VERSION     |
// | newIsr not within the replicas, without the leader, or adding | INELIGIBLE_REPLICA         |
// | a fenced or unregistered broker                               |                            |
//
// The whole request is refused (thrown) with STALE_BROKER_EPOCH when the sender's incarnation is
// not the registered one: a restarted broker's old life cannot change any ISR.
import type {
  AlterPartitionItem,
  AlterPartitionReply,
  AlterPartitionRequest,
  CommittedPartition,
} from "../../model/cluster.ts";
import { TributaryError } from "../../model/errors.ts";
import type { Batch } from "./batch.ts";
import { isEligible } from "./elections.ts";
import type { PartitionView } from "./image-view.ts";

type ItemReply = AlterPartitionReply["partitions"][number];

export function alterPartitions(batch: Batch, request: AlterPartitionRequest): AlterPartitionReply {
  const broker = batch.image.broker(request.brokerId);
  if (broker === undefined || broker.incarnationId !== request.incarnationId) {
    throw new TributaryError(
      "STALE_BROKER_EPOCH",
      `broker ${request.brokerId} incarnation ${request.incarnationId} is not registered`,
    );
  }
  return { partitions: request.partitions.map((item) => alterOne(batch, request.brokerId, item)) };
}

function alterOne(batch: Batch, brokerId: number, item: AlterPartitionItem): ItemReply {
  const answer = (state: PartitionView | null, code?: string, message?: string): ItemReply => ({
    topicId: item.topicId,
    partition: item.partition,
    error: code === undefined ? null : { code, message: message ?? code },
    state: state === null ? null : stateOf(state),
  });
  const topic = batch.image.topicById(item.topicId);
  if (topic === undefined) return answer(null, "UNKNOWN_TOPIC_ID", `no topic ${item.topicId}`);
  const p = topic.partitions[item.partition];
  const name = `${topic.name}-${item.partition}`;
  if (p === undefined) return answer(null, "UNKNOWN_TOPIC_OR_PARTITION", `no partition ${name}`);
  if (item.leaderEpoch !== p.leaderEpoch) {
    return answer(
      p,
      "FENCED_LEADER_EPOCH",
      `${name} is at leader epoch ${p.leaderEpoch}, not ${item.leaderEpoch}`,
    );
  }
  if (p.leader !== brokerId) {
    return answer(p, "NOT_LEADER_OR_FOLLOWER", `broker ${brokerId} does not lead ${name}`);
  }
  const newIsr = item.newIsr;
  if (new Set(newIsr).size !== newIsr.length) {
    return answer(p, "INVALID_REQUEST", `new isr of ${name} names a broker twice`);
  }
  if (newIsr.length === p.isr.length && newIsr.every((b) => p.isr.includes(b))) {
    return answer(p);
  }
  if (item.partitionEpoch !== p.partitionEpoch) {
    return answer(
      p,
      "INVALID_UPDATE_VERSION",
      `${name} is at partition epoch ${p.partitionEpoch}, not ${item.partitionEpoch}`,
    );
  }
  const ineligible = whyIneligible(batch, p, newIsr);
  if (ineligible !== null) {
    return answer(p, "INELIGIBLE_REPLICA", `new isr of ${name}: ${ineligible}`);
  }
  batch.changePartition(topic.topicId, p.partition, { isr: [...newIsr] });
  return answer(batch.image.topicById(topic.topicId)!.partitions[p.partition]);
}

function whyIneligible(batch: Batch, p: PartitionView, newIsr: readonly number[]): string | null {
  const outside = newIsr.find((b) => !p.replicas.includes(b));
  if (outside !== undefined) return `broker ${outside} is not a replica`;
  if (!newIsr.includes(p.leader)) return `it leaves out the leader ${p.leader}`;
  const fenced = newIsr.find((b) => !p.isr.includes(b) && !isEligible(batch.image, b));
  if (fenced !== undefined) return `broker ${fenced} is fenced or not registered`;
  return null;
}

export function stateOf(p: PartitionView): CommittedPartition {
  return {
    leader: p.leader,
    leaderEpoch: p.leaderEpoch,
    partitionEpoch: p.partitionEpoch,
    replicas: [...p.replicas],
    isr: [...p.isr],
  };
}
