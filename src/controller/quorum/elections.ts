// Leader elections and ISR removals, as Kafka's KRaft controller makes them (unclean election
// off): a leader is always an unfenced member of the ISR, chosen in replica order; a fenced broker
// leaves every ISR where another member remains, and the last member stays (it holds everything
// committed) with the partition leaderless until it, or another member it admits, is back.
import { type Batch } from "./batch.ts";
import { type ImageView, NO_LEADER, type PartitionView, type TopicView } from "./image-view.ts";

export function isEligible(image: ImageView, brokerId: number): boolean {
  return image.broker(brokerId)?.fenced === false;
}

/** Topics by name, so every decision walks partitions in one order. */
export function sortedTopics(image: ImageView): TopicView[] {
  return [...image.topics()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** The first eligible ISR member in replica order, except `excluded`; NO_LEADER when none. */
export function electableLeader(image: ImageView, p: PartitionView, excluded = NO_LEADER): number {
  const found = p.replicas.find((b) => b !== excluded && p.isr.includes(b) && isEligible(image, b));
  return found ?? NO_LEADER;
}

/**
 * Takes `brokerId` out of every leadership and ISR it can leave (it is being fenced, or shuts
 * down): its leaderships move to another eligible ISR member (or to NO_LEADER), and it leaves each
 * ISR that has another member.
 */
export function moveAwayFrom(batch: Batch, brokerId: number): void {
  for (const topic of sortedTopics(batch.image)) {
    for (const p of topic.partitions) {
      if (!p.isr.includes(brokerId) && p.leader !== brokerId) continue;
      const rest = p.isr.filter((b) => b !== brokerId);
      const isr = rest.length > 0 ? rest : undefined;
      if (p.leader === brokerId) {
        const leader = electableLeader(batch.image, p, brokerId);
        batch.changePartition(topic.topicId, p.partition, isr ? { leader, isr } : { leader });
      } else if (isr !== undefined) {
        batch.changePartition(topic.topicId, p.partition, { isr });
      }
    }
  }
}

/** Elects a leader for every leaderless partition that has an eligible ISR member. */
export function electLeaderless(batch: Batch): void {
  for (const topic of sortedTopics(batch.image)) {
    for (const p of topic.partitions) {
      if (p.leader !== NO_LEADER) continue;
      const leader = electableLeader(batch.image, p);
      if (leader !== NO_LEADER) batch.changePartition(topic.topicId, p.partition, { leader });
    }
  }
}

/**
 * Moves leadership back to the preferred replica (replicas[0]) where it is eligible and in the
 * ISR but does not lead. `only` limits it to those partitions. Returns what it moved.
 */
export function electPreferred(
  batch: Batch,
  only?: ReadonlySet<string>,
): { topic: string; partition: number }[] {
  const moved: { topic: string; partition: number }[] = [];
  for (const topic of sortedTopics(batch.image)) {
    for (const p of topic.partitions) {
      if (only !== undefined && !only.has(partitionKey(topic.name, p.partition))) continue;
      const preferred = p.replicas[0];
      if (p.leader === preferred || !p.isr.includes(preferred)) continue;
      if (!isEligible(batch.image, preferred)) continue;
      batch.changePartition(topic.topicId, p.partition, { leader: preferred });
      moved.push({ topic: topic.name, partition: p.partition });
    }
  }
  return moved;
}

export function partitionKey(topic: string, partition: number): string {
  return `${topic}\u0000${partition}`;
}
