// Helpers for golden-byte tests of message codecs: decode hex completely (trailing bytes fail),
// encode to bytes.
import { KafkaReader } from "../../../../src/protocol/kafka/reader.ts";
import { KafkaWriter } from "../../../../src/protocol/kafka/writer.ts";
import { parseHex } from "../../../fixtures/record-batch/hex.ts";

export function decodedAll<T>(
  decode: (r: KafkaReader, version: number) => T,
  version: number,
  hex: string,
): T {
  const r = new KafkaReader(parseHex(hex));
  const out = decode(r, version);
  r.expectEnd(`v${version}`);
  return out;
}

export function encoded(f: (w: KafkaWriter) => void): Uint8Array {
  const w = new KafkaWriter();
  f(w);
  return w.finish().slice();
}

export { parseHex };
