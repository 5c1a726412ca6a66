// Kafka UUIDs (topic ids) are 16 raw bytes on the wire; all zeros means "no id".

export const ZERO_UUID: Uint8Array = new Uint8Array(16);

/** A 32-hex-digit (optionally dashed) id as its 16 bytes, or the zero id when it is not one. */
export function uuidBytes(id: string | undefined): Uint8Array {
  const hex = (id ?? "").replaceAll("-", "");
  if (!/^[0-9a-fA-F]{32}$/.test(hex)) return ZERO_UUID;
  const out = new Uint8Array(16);
  for (let i = 0; i < 16; i++) out[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}

/** 16 bytes as 32 lowercase hex digits (no dashes). */
export function uuidHex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

export function isZeroUuid(bytes: Uint8Array): boolean {
  return bytes.every((b) => b === 0);
}
