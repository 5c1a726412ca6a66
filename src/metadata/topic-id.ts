// Topic ids tell a topic from an earlier one of the same name (a stale directory left by a
// crash mid-delete must never be adopted by the re-created topic). Random v4 UUID text.
import type { Random } from "../../runtime/types.ts";

export function newTopicId(random: Pick<Random, "bytes">): string {
  const b = random.bytes(16);
  b[6] = (b[6] & 0x0f) | 0x40; // version 4
  b[8] = (b[8] & 0x3f) | 0x80; // RFC 4122 variant
  const hex = Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${
    hex.slice(20)
  }`;
}
