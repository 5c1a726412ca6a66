// The codecs (src/log/codecs/): round trips, the framing each writes, and interop vectors made
// by other implementations (the lz4 and zstd reference CLIs, zstd-jni's stream as Kafka's Java
// client uses it, iq80's pure-Java snappy) that every codec must decode to the known input.
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { codecOf, compressionCode } from "../../src/log/codecs/registry.ts";
import { isXerialFramed, XERIAL_MAGIC } from "../../src/log/codecs/snappy.ts";
import { bigBin, loadCodecFixture, textBin } from "../fixtures/codecs/codec-vectors.ts";
import { asyncErrorCode, errorCode } from "../fixtures/record-batch/helpers.ts";

const LIMIT = 1 << 20;
const codecs = [1, 2, 3, 4].map((code) => codecOf(code));

function pseudoRandom(length: number, seed: number): Uint8Array {
  let x = seed >>> 0;
  return new Uint8Array(length).map(() => (x = (x * 1664525 + 1013904223) >>> 0) >>> 24);
}

const inputs: Array<[string, Uint8Array]> = [
  ["one byte", new Uint8Array([7])],
  ["text", textBin()],
  ["incompressible 70 KiB", pseudoRandom(70 * 1024, 9)],
  ["200 KiB over several blocks", bigBin()],
  ["64 KiB of zeros", new Uint8Array(64 * 1024)],
];

describe("codec registry", () => {
  it("maps attributes codes 1..4 to Kafka's codec names and refuses the rest", () => {
    expect(codecs.map((c) => [c.code, c.name])).toEqual([
      [1, "gzip"],
      [2, "snappy"],
      [3, "lz4"],
      [4, "zstd"],
    ]);
    for (const code of [0, 5, 6, 7, -1]) {
      expect(errorCode(() => codecOf(code))).toBe("UNSUPPORTED_COMPRESSION_TYPE");
    }
    expect(["none", "gzip", "snappy", "lz4", "zstd"].map((n) => compressionCode(n))).toEqual([
      0,
      1,
      2,
      3,
      4,
    ]);
    expect(errorCode(() => compressionCode("brotli"))).toBe("INVALID_CONFIG");
    expect(errorCode(() => compressionCode(2))).toBe("INVALID_CONFIG");
  });
});

for (const codec of codecs) {
  describe(`${codec.name} round trips`, () => {
    for (const [name, data] of inputs) {
      it(name, async () => {
        const packed = await codec.compress(data);
        expect(await codec.decompress(packed, LIMIT)).toEqual(data);
        if (name === "text" || name.includes("zeros")) {
          expect(packed.length).toBeLessThan(data.length / 2);
        }
      });
    }

    it("refuses output past bytesMax with MESSAGE_TOO_LARGE, and exactly at it succeeds", async () => {
      const data = textBin();
      const packed = await codec.compress(data);
      expect(await codec.decompress(packed, data.length)).toEqual(data);
      expect(await asyncErrorCode(() => codec.decompress(packed, data.length - 1))).toBe(
        "MESSAGE_TOO_LARGE",
      );
    });

    it("refuses garbage, empty-looking and truncated input with CORRUPT_MESSAGE", async () => {
      const packed = await codec.compress(textBin());
      const garbage = pseudoRandom(300, 4);
      garbage[0] = 0x11; // no codec's magic, and a raw snappy length that the data cannot hold
      for (const bad of [garbage, packed.subarray(0, packed.length - 7), packed.subarray(0, 3)]) {
        expect(await asyncErrorCode(() => codec.decompress(bad, LIMIT))).toBe("CORRUPT_MESSAGE");
      }
    });

    it("any corrupted byte decodes to something or fails as a TributaryError", async () => {
      const packed = await codec.compress(textBin());
      for (let i = 0; i < packed.length; i += 3) {
        const bad = packed.slice();
        bad[i] ^= 0x5a;
        const outcome = await codec.decompress(bad, LIMIT).then(
          (out) => (out.length <= LIMIT ? "decoded" : "too long"),
          (err: unknown) => (err as { code?: string }).code ?? String(err),
        );
        expect(["decoded", "CORRUPT_MESSAGE", "MESSAGE_TOO_LARGE"]).toContain(outcome);
      }
    });
  });
}

describe("interop vectors", () => {
  const text = textBin();

  it("lz4: frames of the reference CLI (independent, linked, checksums, content size)", async () => {
    const lz4 = codecOf(3);
    expect(await lz4.decompress(loadCodecFixture("lz4-cli-default"), LIMIT)).toEqual(text);
    expect(await lz4.decompress(loadCodecFixture("lz4-cli-linked-checksums"), LIMIT)).toEqual(
      text,
    );
    expect(await lz4.decompress(loadCodecFixture("lz4-cli-big"), LIMIT)).toEqual(bigBin());
    expect(await lz4.decompress(loadCodecFixture("lz4-cli-big-linked"), LIMIT)).toEqual(bigBin());
  });

  it("lz4: a flipped content or block checksum is CORRUPT_MESSAGE", async () => {
    const lz4 = codecOf(3);
    const frame = loadCodecFixture("lz4-cli-linked-checksums");
    const lastByte = frame.slice();
    lastByte[lastByte.length - 1] ^= 1;
    expect(await asyncErrorCode(() => lz4.decompress(lastByte, LIMIT))).toBe("CORRUPT_MESSAGE");
    const header = frame.slice();
    header[6] ^= 1; // inside the content size: the header checksum no longer matches
    expect(await asyncErrorCode(() => lz4.decompress(header, LIMIT))).toBe("CORRUPT_MESSAGE");
  });

  it("lz4: the empty frame of the reference implementation", async () => {
    // magic, FLG 0x64, BD 0x40, HC 0xa7, end mark, xxh32 of nothing (0x02cc5d05).
    const empty = new Uint8Array([
      4,
      0x22,
      0x4d,
      0x18,
      0x64,
      0x40,
      0xa7,
      0,
      0,
      0,
      0,
      5,
      0x5d,
      0xcc,
      2,
    ]);
    expect(await codecOf(3).decompress(empty, LIMIT)).toEqual(new Uint8Array(0));
  });

  it("lz4: what we write has the Java client's header: independent 64 KiB blocks", async () => {
    const packed = await codecOf(3).compress(bigBin());
    expect([...packed.subarray(0, 7)]).toEqual([4, 0x22, 0x4d, 0x18, 0x60, 0x40, 0x82]);
  });

  it("zstd: the reference CLI's frames, zstd-jni's stream (Kafka's Java client)", async () => {
    const zstd = codecOf(4);
    for (const name of ["zstd-cli-file", "zstd-cli-stream", "zstd-jni-stream"]) {
      expect(await zstd.decompress(loadCodecFixture(name), LIMIT)).toEqual(text);
    }
    expect(await zstd.decompress(loadCodecFixture("zstd-cli-big"), LIMIT)).toEqual(bigBin());
    // Two frames in a row decode to both contents.
    const two = new Uint8Array([
      ...loadCodecFixture("zstd-cli-file"),
      ...loadCodecFixture("zstd-jni-stream"),
    ]);
    expect(await zstd.decompress(two, LIMIT)).toEqual(new Uint8Array([...text, ...text]));
  });

  it("zstd: hand-built frames (raw and RLE blocks, a skippable frame) decode per RFC 8878", async () => {
    const zstd = codecOf(4);
    // magic | descriptor 0x00 (no content size) | window 0x00 (1 KiB) | raw last block of 3.
    const raw = [0x28, 0xb5, 0x2f, 0xfd, 0x00, 0x00, 0x19, 0x00, 0x00, 0x61, 0x62, 0x63];
    // single segment, 1-byte content size 5 | RLE last block of 5 repeating 0x7a.
    const rle = [0x28, 0xb5, 0x2f, 0xfd, 0x20, 0x05, 0x2b, 0x00, 0x00, 0x7a];
    const skippable = [0x50, 0x2a, 0x4d, 0x18, 0x02, 0x00, 0x00, 0x00, 0xde, 0xad];
    const out = await zstd.decompress(new Uint8Array([...skippable, ...raw, ...rle]), LIMIT);
    expect(new TextDecoder().decode(out)).toBe("abczzzzz");
  });

  it("zstd: a frame declaring more than bytesMax is refused before decoding", async () => {
    // single segment, 4-byte content size 2^31 | one RLE last block claiming 128 KiB.
    const bomb = [0x28, 0xb5, 0x2f, 0xfd, 0xa0, 0, 0, 0, 0x80, 0x03, 0x00, 0x10, 0x41];
    expect(await asyncErrorCode(() => codecOf(4).decompress(new Uint8Array(bomb), LIMIT))).toBe(
      "MESSAGE_TOO_LARGE",
    );
    // Undeclared size, 64 RLE blocks of 128 KiB = 8 MiB from a few hundred bytes.
    const blocks: number[] = [];
    for (let i = 0; i < 64; i++) {
      const header = ((128 * 1024) << 3) | (1 << 1) | (i === 63 ? 1 : 0);
      blocks.push(header & 0xff, (header >>> 8) & 0xff, header >>> 16, 0x41);
    }
    const rleBomb = new Uint8Array([0x28, 0xb5, 0x2f, 0xfd, 0x00, 0x50, ...blocks]);
    expect(await asyncErrorCode(() => codecOf(4).decompress(rleBomb, LIMIT))).toBe(
      "MESSAGE_TOO_LARGE",
    );
    expect((await codecOf(4).decompress(rleBomb, 8 << 20)).length).toBe(8 << 20);
  });

  it("snappy: iq80's raw block (librdkafka's form) and the same block xerial-framed", async () => {
    const snappy = codecOf(2);
    const block = loadCodecFixture("snappy-iq80-raw");
    expect(await snappy.decompress(block, LIMIT)).toEqual(text);
    // snappy-java's stream: magic, version 1, compatible 1, then int32 BE length + block.
    const framed = new Uint8Array(16 + 4 + block.length);
    framed.set(XERIAL_MAGIC);
    const view = new DataView(framed.buffer);
    view.setInt32(8, 1);
    view.setInt32(12, 1);
    view.setInt32(16, block.length);
    framed.set(block, 20);
    expect(await snappy.decompress(framed, LIMIT)).toEqual(text);
  });

  it("snappy: a raw block built from the format description", async () => {
    // length 12 | literal "abc" (tag (3-1)<<2) | copy, 1-byte offset: length 9 at offset 3.
    const block = new Uint8Array([0x0c, 0x08, 0x61, 0x62, 0x63, 0x15, 0x03]);
    expect(new TextDecoder().decode(await codecOf(2).decompress(block, LIMIT))).toBe(
      "abcabcabcabc",
    );
    // Declares 13 but holds 12; a copy from before the start; a literal past the end.
    for (
      const bad of [[0x0d, 0x08, 0x61, 0x62, 0x63, 0x15, 0x03], [0x05, 0x05, 0x01], [
        0x05,
        0x10,
        0x61,
      ]]
    ) {
      expect(await asyncErrorCode(() => codecOf(2).decompress(new Uint8Array(bad), LIMIT))).toBe(
        "CORRUPT_MESSAGE",
      );
    }
  });

  it("snappy: what we write is xerial-framed, 32 KiB chunks, as the Java client writes", async () => {
    const packed = await codecOf(2).compress(bigBin());
    expect(isXerialFramed(packed)).toBe(true);
    const view = new DataView(packed.buffer, packed.byteOffset);
    expect([view.getInt32(8), view.getInt32(12)]).toEqual([1, 1]);
    let at = 16;
    let chunks = 0;
    while (at < packed.length && chunks < 100) {
      at += 4 + view.getInt32(at);
      chunks++;
    }
    expect([at, chunks]).toEqual([packed.length, Math.ceil(bigBin().length / 32768)]);
  });
});

// The reference CLIs read what we write (they are on this machine; without them these fail).
describe("our output through the reference tools", () => {
  for (const [code, tool] of [[3, "lz4"], [4, "zstd"]] as const) {
    it(`${tool} -d decodes our ${tool} output`, async () => {
      for (const data of [textBin(), bigBin()]) {
        const packed = await codecOf(code).compress(data);
        const r = spawnSync(tool, ["-d", "-c", "-q"], { input: packed, maxBuffer: 1 << 22 });
        expect(r.status, String(r.stderr)).toBe(0);
        expect(new Uint8Array(r.stdout)).toEqual(data);
      }
    });
  }
});
