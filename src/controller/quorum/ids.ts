// Random ids the controller mints. The same formats as src/metadata/topic-id.ts (v4 UUID text)
// and src/broker/meta-properties.ts (Kafka's URL-safe base64 cluster id), written again here
// because src/controller may not import either layer.
import type { Random } from "../../../runtime/types.ts";

export function newTopicId(random: Pick<Random, "bytes">): string {
  const b = random.bytes(16);
  b[6] = (b[6] & 0x0f) | 0x40; // version 4
  b[8] = (b[8] & 0x3f) | 0x80; // RFC 4122 variant
  const hex = Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${
    hex.slice(20)
  }`;
}

export function newClusterId(random: Pick<Random, "bytes">): string {
  const b64 = btoa(String.fromCharCode(...random.bytes(16)));
  return b64.replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}
