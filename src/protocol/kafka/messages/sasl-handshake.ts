// SaslHandshake (key 17), versions 0-1, never flexible. v1 only says the tokens that follow
// travel inside SaslAuthenticate requests rather than as raw frames.
//
// Request:  mechanism STRING
// Response: error_code INT16, mechanisms ARRAY(STRING)    (the mechanisms the broker enables)

import type { KafkaReader } from "../reader.ts";
import type { KafkaWriter } from "../writer.ts";

export function decodeSaslHandshakeRequest(r: KafkaReader): { mechanism: string } {
  return { mechanism: r.string("mechanism") };
}

export function encodeSaslHandshakeResponse(
  w: KafkaWriter,
  body: { errorCode: number; mechanisms: readonly string[] },
): void {
  w.int16(body.errorCode).array(false, body.mechanisms, (w, m) => w.nullableString(m));
}
