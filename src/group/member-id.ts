// Member ids: 16 random bytes in base64url (22 characters), like Kafka's UUID-based ids.
import type { Random } from "../../runtime/types.ts";

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

export function randomMemberIds(random: Pick<Random, "bytes">): () => string {
  return () => {
    const bytes = random.bytes(16);
    let bits = 0;
    let value = 0;
    let out = "";
    for (const byte of bytes) {
      value = (value << 8) | byte;
      bits += 8;
      while (bits >= 6) {
        bits -= 6;
        out += ALPHABET[(value >> bits) & 63];
      }
      value &= (1 << bits) - 1;
    }
    return bits > 0 ? out + ALPHABET[(value << (6 - bits)) & 63] : out;
  };
}
