// Kafka's default partitioning, so a key lands on the same partition here as it would with a
// Kafka Java client: murmur2 of the key bytes (Kafka's Utils.murmur2, seed 0x9747b28c), made
// positive by masking the sign bit (Kafka's toPositive, not Math.abs), modulo partitions.
// Unkeyed records stick to one random partition until their batch completes (KIP-480).
import { assert } from "./errors.ts";
import type { Random } from "../../runtime/types.ts";

const SEED = 0x9747b28c;
const M = 0x5bd1e995;
const R = 24;

/** Kafka's murmur2: a signed 32-bit hash of bytes. */
export function murmur2(bytes: Uint8Array): number {
  const length = bytes.length;
  let h = (SEED ^ length) | 0;
  const whole = length & ~3;
  for (let i = 0; i < whole; i += 4) {
    let k = bytes[i] | (bytes[i + 1] << 8) | (bytes[i + 2] << 16) | (bytes[i + 3] << 24);
    k = Math.imul(k, M);
    k ^= k >>> R;
    k = Math.imul(k, M);
    h = Math.imul(h, M) ^ k;
  }
  // The tail bytes, mixed in the order Kafka's switch with fall-through does.
  const tail = length & 3;
  if (tail > 0) {
    if (tail === 3) h ^= bytes[whole + 2] << 16;
    if (tail >= 2) h ^= bytes[whole + 1] << 8;
    h ^= bytes[whole];
    h = Math.imul(h, M);
  }
  h ^= h >>> 13;
  h = Math.imul(h, M);
  h ^= h >>> 15;
  return h | 0;
}

/** The partition Kafka's default partitioner picks for a (non-null) key. */
export function partitionForKey(key: Uint8Array, numPartitions: number): number {
  assert(Number.isInteger(numPartitions) && numPartitions > 0, "numPartitions must be >= 1");
  return (murmur2(key) & 0x7fffffff) % numPartitions;
}

/**
 * Sticky partition choice for unkeyed records: one random partition per topic, kept until the
 * producer reports that a batch for it completed, then a different random one. Bigger batches,
 * fewer requests, and still an even spread over time.
 */
export class StickyPartitioner {
  readonly #random: Pick<Random, "int">;
  readonly #current = new Map<string, number>();

  constructor(random: Pick<Random, "int">) {
    this.#random = random;
  }

  /** The partition unkeyed records of topic go to now. */
  partition(topic: string, numPartitions: number): number {
    assert(Number.isInteger(numPartitions) && numPartitions > 0, "numPartitions must be >= 1");
    const current = this.#current.get(topic);
    if (current !== undefined && current < numPartitions) return current;
    const chosen = this.#random.int(numPartitions);
    this.#current.set(topic, chosen);
    return chosen;
  }

  /** A batch for `completed` was closed: move unkeyed records of topic elsewhere. */
  onBatchComplete(topic: string, numPartitions: number, completed: number): void {
    if (this.#current.get(topic) !== completed) return;
    if (numPartitions <= 1) return;
    // Pick among the other partitions uniformly, never the one just completed.
    const pick = this.#random.int(numPartitions - 1);
    this.#current.set(topic, pick >= completed ? pick + 1 : pick);
  }
}

/** Keyed records by murmur2, unkeyed ones by the sticky choice. */
export function choosePartition(
  sticky: StickyPartitioner,
  topic: string,
  key: Uint8Array | null,
  numPartitions: number,
): number {
  return key === null
    ? sticky.partition(topic, numPartitions)
    : partitionForKey(key, numPartitions);
}
