// Record batches for tests, host-neutral (the cross-runtime smoke script uses them too).
import { encodeBatch } from "../../../../src/log/record-batch.ts";

export function batchOf(
  values: string[],
  options: { timestamp?: number; key?: string } = {},
): Uint8Array {
  const enc = new TextEncoder();
  return encodeBatch({
    records: values.map((v) => ({
      key: options.key === undefined ? null : enc.encode(options.key),
      value: enc.encode(v),
      timestamp: options.timestamp ?? 1_700_000_000_000,
    })),
  });
}

export { concatBytes } from "../../../support/bytes.ts";
