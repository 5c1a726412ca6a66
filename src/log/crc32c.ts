// CRC-32C (Castagnoli), the checksum of Kafka record batches v2 (the same one as iSCSI and
// java.util.zip.CRC32C): reflected polynomial 0x82F63B78, initial value and final xor 0xFFFFFFFF.
//
// It runs over every produced and every fetched-and-validated batch, so it uses slicing-by-8:
// eight 256-entry tables let one step fold eight input bytes with eight lookups instead of
// eight dependent byte steps. Tables are built once at module load (8 KiB).

const POLYNOMIAL = 0x82f63b78;
const TABLE_ENTRIES = 256;
const SLICES = 8;

// TABLES[k * 256 + b] = CRC contribution of byte b followed by k zero bytes.
const TABLES = buildTables();

function buildTables(): Int32Array {
  const tables = new Int32Array(TABLE_ENTRIES * SLICES);
  for (let b = 0; b < TABLE_ENTRIES; b++) {
    let crc = b;
    for (let bit = 0; bit < 8; bit++) crc = crc & 1 ? (crc >>> 1) ^ POLYNOMIAL : crc >>> 1;
    tables[b] = crc;
  }
  for (let k = 1; k < SLICES; k++) {
    for (let b = 0; b < TABLE_ENTRIES; b++) {
      const prev = tables[(k - 1) * TABLE_ENTRIES + b];
      tables[k * TABLE_ENTRIES + b] = tables[prev & 0xff] ^ (prev >>> 8);
    }
  }
  return tables;
}

/**
 * CRC-32C of bytes[start, end) as an unsigned 32-bit number.
 * Positions outside the array are clamped, like Uint8Array.subarray.
 */
export function crc32c(bytes: Uint8Array, start = 0, end: number = bytes.length): number {
  const stop = Math.min(Math.max(end, 0), bytes.length);
  let i = Math.min(Math.max(start, 0), stop);
  const t = TABLES;
  let crc = -1;
  const wideStop = stop - 7;
  if (i < wideStop) {
    // Two little-endian int32 loads per step: measurably faster on V8 than eight byte loads
    // (256 KiB: Node 20 952 -> 1,261 MiB/s; Bun 1,542 -> 1,622; Deno about the same).
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (; i < wideStop; i += 8) {
      const lo = crc ^ view.getInt32(i, true);
      const hi = view.getInt32(i + 4, true);
      crc = t[1792 + (lo & 0xff)] ^
        t[1536 + ((lo >>> 8) & 0xff)] ^
        t[1280 + ((lo >>> 16) & 0xff)] ^
        t[1024 + (lo >>> 24)] ^
        t[768 + (hi & 0xff)] ^
        t[512 + ((hi >>> 8) & 0xff)] ^
        t[256 + ((hi >>> 16) & 0xff)] ^
        t[hi >>> 24];
    }
  }
  for (; i < stop; i++) crc = t[(crc ^ bytes[i]) & 0xff] ^ (crc >>> 8);
  return ~crc >>> 0;
}
