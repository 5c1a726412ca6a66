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
