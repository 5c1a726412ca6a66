// SaslAuthenticate (key 36), versions 0-2; v2 flexible.
//
// Request:  auth_bytes BYTES
// Response: error_code INT16, error_message NULLABLE_STRING, auth_bytes BYTES,
//           session_lifetime_ms INT64 (v1+)

import type { KafkaReader } from "../reader.ts";
import type { KafkaWriter } from "../writer.ts";

export const SASL_AUTHENTICATE_FIRST_FLEXIBLE = 2;

export function decodeSaslAuthenticateRequest(
  r: KafkaReader,
  version: number,
): { authBytes: Uint8Array } {
  const flexible = version >= SASL_AUTHENTICATE_FIRST_FLEXIBLE;
  const authBytes = flexible ? r.compactBytes("auth_bytes") : r.bytesField("auth_bytes");
  if (flexible) r.taggedFields();
  return { authBytes };
}

export interface SaslAuthenticateResponse {
  errorCode: number;
  errorMessage: string | null;
  authBytes: Uint8Array;
  sessionLifetimeMs: number;
}

export function encodeSaslAuthenticateResponse(
  w: KafkaWriter,
  version: number,
  body: SaslAuthenticateResponse,
): void {
  const flexible = version >= SASL_AUTHENTICATE_FIRST_FLEXIBLE;
  w.int16(body.errorCode).str(flexible, body.errorMessage).bytes(flexible, body.authBytes);
  if (version >= 1) w.int64(body.sessionLifetimeMs);
  w.tags(flexible);
}
