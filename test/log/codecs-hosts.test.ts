// The codecs under Node, Deno and Bun: the same round trips, fixtures and batches
// (codecs-host-check.ts) must give the same results under each, and the right ones.
import { describe, expect, it } from "vitest";
import { CHILD_TIMEOUT_MS, lastLine, runChild } from "../support/run-child.ts";
import { crc32c } from "../../src/log/record-batch.ts";
import { bigBin, textBin } from "../fixtures/codecs/codec-vectors.ts";
import { codecHostCheck, type CodecHostResult } from "./codecs-host-check.ts";

let onNode: CodecHostResult | undefined;

describe("codecs on every host", () => {
  it("under Node: every round trip and fixture gives back its input", async () => {
    onNode = await codecHostCheck();
    const text = textBin();
    const big = bigBin();
    const expected: Array<[number, number]> = [[text.length, crc32c(text)], [
      big.length,
      crc32c(big),
    ]];
    expect(onNode.roundTrips).toEqual({
      gzip: expected,
      snappy: expected,
      lz4: expected,
      zstd: expected,
    });
    expect(onNode.fixtures).toEqual({
      "lz4-cli-default": crc32c(text),
      "lz4-cli-big-linked": crc32c(big),
      "zstd-jni-stream": crc32c(text),
      "zstd-cli-big": crc32c(big),
      "snappy-iq80-raw": crc32c(text),
    });
    expect(onNode.batches.zstd).toBe("0:zstd 0,1:zstd 1,2:zstd 2");
  });

  for (
    const [host, command, args] of [
      ["Deno", "node_modules/.bin/deno", ["run", "-A", "test/log/codecs-host-main.ts"]],
      ["Bun", "node_modules/.bin/bun", ["test/log/codecs-host-main.ts"]],
    ] as const
  ) {
    it(`under ${host}: the same as under Node`, async () => {
      onNode ??= await codecHostCheck();
      const { code, out } = await runChild(command, [...args]);
      expect(code, out).toBe(0);
      expect(lastLine(out), out).toEqual(onNode);
    }, CHILD_TIMEOUT_MS + 5_000);
  }
});
