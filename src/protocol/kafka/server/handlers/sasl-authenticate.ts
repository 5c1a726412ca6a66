// SaslAuthenticate: only valid after a successful SaslHandshake, which never happens while no
// mechanism is enabled (sasl-handshake.ts): always ILLEGAL_SASL_STATE.

import { KafkaAdminError } from "../../error-codes.ts";
import {
  decodeSaslAuthenticateRequest,
  encodeSaslAuthenticateResponse,
} from "../../messages/sasl-authenticate.ts";
import type { KafkaReader } from "../../reader.ts";
import type { KafkaWriter } from "../../writer.ts";

export function saslAuthenticate(r: KafkaReader, version: number, w: KafkaWriter): void {
  decodeSaslAuthenticateRequest(r, version);
  r.expectEnd(`SaslAuthenticate v${version}`);
  encodeSaslAuthenticateResponse(w, version, {
    errorCode: KafkaAdminError.ILLEGAL_SASL_STATE,
    errorMessage: "no SASL handshake succeeded on this connection: no mechanism is enabled",
    authBytes: new Uint8Array(0),
    sessionLifetimeMs: 0,
  });
}
