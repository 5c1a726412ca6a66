// Sets of partitions as plain data. Records carry them and responses return them, so there is
// one canonical form (topics ascending by code unit, partitions ascending and unique, no empty
// entries): two equal sets are deep-equal, and encoded records are byte-identical.
import { assert } from "../model/errors.ts";

export interface TopicPartition {
  topic: string;
  partition: number;
}

export interface TopicPartitions {
  topic: string;
  partitions: number[];
}

/** Always canonical (see above); build one with assignmentFrom* or the set operations. */
export type Assignment = TopicPartitions[];

/** Code-unit order: deterministic on every runtime, unlike localeCompare. */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function compareTopicPartitions(a: TopicPartition, b: TopicPartition): number {
  return compareStrings(a.topic, b.topic) || a.partition - b.partition;
}

/** Mutable working set; converts to and from the canonical plain form. */
export class PartitionSet {
  readonly #byTopic = new Map<string, Set<number>>();

  static of(assignment: readonly TopicPartitions[]): PartitionSet {
    const set = new PartitionSet();
    for (const entry of assignment) {
      for (const partition of entry.partitions) set.add(entry.topic, partition);
    }
    return set;
  }

  add(topic: string, partition: number): void {
    assert(Number.isSafeInteger(partition) && partition >= 0, `bad partition ${partition}`);
    let partitions = this.#byTopic.get(topic);
    if (partitions === undefined) {
      partitions = new Set();
      this.#byTopic.set(topic, partitions);
    }
    partitions.add(partition);
  }

  delete(topic: string, partition: number): boolean {
    const partitions = this.#byTopic.get(topic);
    if (partitions === undefined || !partitions.delete(partition)) return false;
    if (partitions.size === 0) this.#byTopic.delete(topic);
    return true;
  }

  has(topic: string, partition: number): boolean {
    return this.#byTopic.get(topic)?.has(partition) ?? false;
  }

  get size(): number {
    let total = 0;
    for (const partitions of this.#byTopic.values()) total += partitions.size;
    return total;
  }

  toAssignment(): Assignment {
    const topics = [...this.#byTopic.keys()].sort(compareStrings);
    return topics.map((topic) => ({
      topic,
      partitions: [...this.#byTopic.get(topic)!].sort((a, b) => a - b),
    }));
  }
}

export function assignmentFromList(list: Iterable<TopicPartition>): Assignment {
  const set = new PartitionSet();
  for (const tp of list) set.add(tp.topic, tp.partition);
  return set.toAssignment();
}

/** Accepts any order and duplicates; returns the canonical form. */
export function normalizeAssignment(entries: readonly TopicPartitions[]): Assignment {
  return PartitionSet.of(entries).toAssignment();
}

export function assignmentToList(assignment: readonly TopicPartitions[]): TopicPartition[] {
  const list: TopicPartition[] = [];
  for (const entry of assignment) {
    for (const partition of entry.partitions) list.push({ topic: entry.topic, partition });
  }
  return list;
}

export function assignmentSize(assignment: readonly TopicPartitions[]): number {
  let total = 0;
  for (const entry of assignment) total += entry.partitions.length;
  return total;
}

export function assignmentEquals(a: Assignment, b: Assignment): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    if (a[i].topic !== b[i].topic) return false;
    const pa = a[i].partitions;
    const pb = b[i].partitions;
    if (pa.length !== pb.length) return false;
    for (let j = 0; j < pa.length; j++) if (pa[j] !== pb[j]) return false;
  }
  return true;
}

export function assignmentUnion(a: Assignment, b: Assignment): Assignment {
  return normalizeAssignment([...a, ...b]);
}

export function assignmentMinus(a: Assignment, b: Assignment): Assignment {
  const remove = PartitionSet.of(b);
  return filterAssignment(a, (topic, partition) => !remove.has(topic, partition));
}

export function assignmentIntersect(a: Assignment, b: Assignment): Assignment {
  const keep = PartitionSet.of(b);
  return filterAssignment(a, (topic, partition) => keep.has(topic, partition));
}

export function isSubset(a: Assignment, b: Assignment): boolean {
  const outer = PartitionSet.of(b);
  return a.every((entry) => entry.partitions.every((p) => outer.has(entry.topic, p)));
}

export function filterAssignment(
  assignment: Assignment,
  keep: (topic: string, partition: number) => boolean,
): Assignment {
  const out: Assignment = [];
  for (const entry of assignment) {
    const partitions = entry.partitions.filter((p) => keep(entry.topic, p));
    if (partitions.length > 0) out.push({ topic: entry.topic, partitions });
  }
  return out;
}

/** True when the plain value is already canonical (decoders and validators check this). */
export function isCanonicalAssignment(assignment: readonly TopicPartitions[]): boolean {
  for (let i = 0; i < assignment.length; i++) {
    const { topic, partitions } = assignment[i];
    if (i > 0 && compareStrings(assignment[i - 1].topic, topic) >= 0) return false;
    if (partitions.length === 0) return false;
    for (let j = 0; j < partitions.length; j++) {
      const p = partitions[j];
      if (!Number.isSafeInteger(p) || p < 0) return false;
      if (j > 0 && partitions[j - 1] >= p) return false;
    }
  }
  return true;
}
