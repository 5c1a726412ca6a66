// SaslHandshake: no SASL mechanism is enabled until the security work lands, so every
// mechanism is answered UNSUPPORTED_SASL_MECHANISM with the (empty) list of enabled ones, which
// clients report as such. The connection stays open and unauthenticated, as a plaintext one.

import { KafkaAdminError } from "../../error-codes.ts";
import {
  decodeSaslHandshakeRequest,
  encodeSaslHandshakeResponse,
} from "../../messages/sasl-handshake.ts";
import type { KafkaReader } from "../../reader.ts";
import type { KafkaWriter } from "../../writer.ts";
import type { KafkaContext } from "../context.ts";

export const ENABLED_SASL_MECHANISMS: readonly string[] = [];

export function saslHandshake(
  ctx: KafkaContext,
  r: KafkaReader,
  version: number,
  w: KafkaWriter,
): void {
  const { mechanism } = decodeSaslHandshakeRequest(r);
  r.expectEnd(`SaslHandshake v${version}`);
  ctx.report?.("kafka.sasl_refused", `SASL mechanism ${mechanism} is not enabled`, { mechanism });
  encodeSaslHandshakeResponse(w, {
    errorCode: KafkaAdminError.UNSUPPORTED_SASL_MECHANISM,
    mechanisms: ENABLED_SASL_MECHANISMS,
  });
}
