// Decoding of one CBOR item with cbor-x, configured so that nothing beyond plain RFC 8949 data
// comes out: maps become plain objects, byte strings Uint8Array views into the frame (no copy),
// 64-bit integers beyond 2^53 bigints (validators reject them). Failures of any kind become
// CORRUPT_MESSAGE; what the item means is the validators' business, not this file's.

// cbor-x/decode skips the optional native string extractor (cbor-extract), which crashes Deno
// and Bun when it loads.
import { Decoder } from "cbor-x/decode";
import { TributaryError } from "../../errors.ts";

const decoder = new Decoder(
  {
    useRecords: false,
    mapsAsObjects: true,
    copyBuffers: false,
    bundleStrings: false,
    structuredClone: false,
    tagUint8Array: false,
    int64AsNumber: false,
    sequential: false,
  } as ConstructorParameters<typeof Decoder>[0],
);

/** The single CBOR item that must fill `bytes` exactly (trailing bytes are an error too). */
export function decodeCbor(bytes: Uint8Array): unknown {
  if (bytes.byteLength === 0) throw new TributaryError("CORRUPT_MESSAGE", "empty frame");
  try {
    return decoder.decode(bytes) as unknown;
  } catch (err) {
    throw new TributaryError("CORRUPT_MESSAGE", `undecodable CBOR: ${describe(err)}`, {
      cause: err,
    });
  }
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
