// Which `__consumer_offsets` partition holds a group: Kafka's own rule,
// abs(groupId.hashCode()) % partitionCount, so a group lands on the same partition number as
// it would on a Kafka cluster with the same partition count.
import { assert } from "../model/errors.ts";

/** Java's String.hashCode: h = 31 * h + codeUnit over UTF-16 code units, in int32 arithmetic. */
export function javaStringHashCode(text: string): number {
  let h = 0;
  for (let i = 0; i < text.length; i++) h = (Math.imul(h, 31) + text.charCodeAt(i)) | 0;
  return h;
}

/** Kafka's Utils.abs: Math.abs, except that int32's minimum maps to 0 instead of itself. */
function kafkaAbs(n: number): number {
  return n === -0x8000_0000 ? 0 : Math.abs(n);
}

export function offsetsPartitionFor(groupId: string, partitionCount: number): number {
  assert(Number.isSafeInteger(partitionCount) && partitionCount > 0, "partition count > 0");
  return kafkaAbs(javaStringHashCode(groupId)) % partitionCount;
}
