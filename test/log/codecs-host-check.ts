// The codecs under a host: codecs-hosts.test.ts runs this in-process under Node and as a child
// under Deno and Bun (codecs-host-main.ts) and compares what each saw, so the npm packages
// behind them (snappyjs, lz4js, the zstd wasm module) are known to load and agree everywhere.

import { codecOf } from "../../src/log/codecs/registry.ts";
import { compressBatch, crc32c, decodeRecordsAsync } from "../../src/log/record-batch.ts";
import { bigBin, loadCodecFixture, textBin } from "../fixtures/codecs/codec-vectors.ts";

export interface CodecHostResult {
  /** codec -> [output length, crc32c of output] after a round trip of text and big. */
  roundTrips: Record<string, Array<[number, number]>>;
  /** Compressed sizes of text: equal on every host for the codecs implemented in JS/wasm. */
  compressedText: Record<string, number>;
  /** Fixture name -> crc32c of what it decodes to. */
  fixtures: Record<string, number>;
  /** The records of a batch per codec, decoded back. */
  batches: Record<string, string>;
}

const FIXTURES: Array<[string, number]> = [
  ["lz4-cli-default", 3],
  ["lz4-cli-big-linked", 3],
  ["zstd-jni-stream", 4],
  ["zstd-cli-big", 4],
  ["snappy-iq80-raw", 2],
];

export async function codecHostCheck(): Promise<CodecHostResult> {
  const result: CodecHostResult = { roundTrips: {}, compressedText: {}, fixtures: {}, batches: {} };
  for (const code of [1, 2, 3, 4]) {
    const codec = codecOf(code);
    const trips: Array<[number, number]> = [];
    for (const data of [textBin(), bigBin()]) {
      const packed = await codec.compress(data);
      if (data.length < 10_000 && code !== 1) result.compressedText[codec.name] = packed.length;
      const out = await codec.decompress(packed, 1 << 20);
      trips.push([out.length, crc32c(out)]);
    }
    result.roundTrips[codec.name] = trips;
    const batch = await compressBatch({
      compression: code,
      records: [0, 1, 2].map((i) => ({
        key: new TextEncoder().encode(`k${i}`),
        value: new TextEncoder().encode(`${codec.name} ${i}`),
        timestamp: 1_700_000_000_000 + i,
      })),
    });
    const decoded = await decodeRecordsAsync(batch);
    result.batches[codec.name] = decoded
      .map((r) => `${r.offset}:${new TextDecoder().decode(r.value ?? new Uint8Array())}`)
      .join(",");
  }
  for (const [name, code] of FIXTURES) {
    result.fixtures[name] = crc32c(await codecOf(code).decompress(loadCodecFixture(name), 1 << 20));
  }
  return result;
}
