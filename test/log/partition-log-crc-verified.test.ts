// AppendOptions.crcVerified: the broker checks each produced batch's CRC once and tells the log
// so; the log then skips its own CRC pass but still checks framing and counts.
import { describe, expect, it } from "vitest";
import { PartitionLog } from "../../src/log/partition-log.ts";
import { checkBatchFraming, validateBatch } from "../../src/log/record-batch.ts";
import { TributaryError } from "../../src/model/errors.ts";
import { makeBatch, memoryRuntime } from "./support.ts";

const DIR = "/data/t-0";

async function codeOf(promise: Promise<unknown>): Promise<string | null> {
  const err = await promise.then(() => null, (e: unknown) => e);
  return err instanceof TributaryError ? err.code : null;
}

/** The batch with one value byte flipped: framing intact, CRC wrong. */
function badCrc(): Uint8Array {
  const bytes = makeBatch(2, { tag: 7 });
  bytes[bytes.length - 2] ^= 0x01;
  return bytes;
}

describe("PartitionLog append with crcVerified", () => {
  it("checks the CRC by default and skips it when the caller verified it", async () => {
    const log = await PartitionLog.open(memoryRuntime(), DIR);
    expect(await codeOf(log.append(badCrc()))).toBe("CORRUPT_MESSAGE");
    expect(log.logEndOffset).toBe(0);
    const result = await log.append(badCrc(), { crcVerified: true });
    expect(result).toMatchObject({ baseOffset: 0, lastOffset: 1 });
    expect(log.logEndOffset).toBe(2);
    await log.close();
  });

  it("still refuses broken framing with crcVerified", async () => {
    const log = await PartitionLog.open(memoryRuntime(), DIR);
    const truncated = makeBatch(2, { tag: 1 }).subarray(0, 70);
    expect(await codeOf(log.append(truncated, { crcVerified: true }))).toBe("CORRUPT_MESSAGE");
    const wrongMagic = makeBatch(1, { tag: 2 });
    wrongMagic[16] = 1;
    expect(await codeOf(log.append(wrongMagic, { crcVerified: true }))).toBe("CORRUPT_MESSAGE");
    expect(log.logEndOffset).toBe(0);
    await log.close();
  });
});

describe("checkBatchFraming", () => {
  it("returns the header validateBatch returns, without checking the CRC", () => {
    const good = makeBatch(3, { tag: 3 });
    expect(checkBatchFraming(good)).toEqual(validateBatch(good));
    expect(checkBatchFraming(badCrc()).recordCount).toBe(2);
    expect(() => validateBatch(badCrc())).toThrow(TributaryError);
  });
});
