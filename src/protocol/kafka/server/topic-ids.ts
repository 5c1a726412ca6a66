// Topic ids between the wire (16 bytes) and the broker (its stored id), through the admin view
// of the node; a listener without one (tests' bare brokers) has no ids: zeros out, none found.

import { isZeroUuid, uuidBytes, uuidHex } from "../uuid.ts";
import type { KafkaContext } from "./context.ts";

export function topicIdOf(ctx: KafkaContext, topic: string): Uint8Array {
  return uuidBytes(ctx.admin?.topicId(topic));
}

/** The topic's name, or undefined for the zero id or an id no topic has. */
export function topicNameOf(ctx: KafkaContext, id: Uint8Array): string | undefined {
  if (isZeroUuid(id)) return undefined;
  return ctx.admin?.topicNameOf(uuidHex(id));
}
