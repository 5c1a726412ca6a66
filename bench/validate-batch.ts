// What validating a produced batch costs: batches of 100 records (100 B and 1 KiB values, one
// header each) checked as the broker's produce path does, with and without the records walk
// (records-check.ts) that comes after the CRC pass. Prints MB/s and records/s per case, per
// second of this process's CPU time where the host tells it (process.cpuUsage: Node, Deno, Bun),
// so that other jobs on a shared machine skew the numbers less than wall time would.
//
//   npm run build && node dist/bench/validate-batch.js [seconds-per-case]
//   node_modules/.bin/deno run -A bench/validate-batch.ts
//   node_modules/.bin/bun run bench/validate-batch.ts

import { parseProducedBatches } from "../src/broker/produce.ts";
import { BATCH_HEADER_BYTES, encodeBatch, validateBatch } from "../src/log/record-batch.ts";
import { checkRecords } from "../src/log/records-check.ts";

const RECORDS_PER_BATCH = 100;
const BATCHES = 64;
const host = (globalThis as {
  process?: { argv: string[]; cpuUsage?: () => { user: number; system: number } };
}).process;
const secondsPerCase = Number(host?.argv[2] ?? "2");

/** CPU seconds of this process, or wall seconds when the host cannot tell. */
function cpuSeconds(): number {
  const usage = host?.cpuUsage?.();
  return usage === undefined ? performance.now() / 1000 : (usage.user + usage.system) / 1e6;
}

function batches(valueBytes: number): Uint8Array[] {
  const enc = new TextEncoder();
  return Array.from({ length: BATCHES }, (_, b) =>
    encodeBatch({
      records: Array.from({ length: RECORDS_PER_BATCH }, (_, i) => ({
        key: enc.encode(`key-${b}-${i}`),
        value: new Uint8Array(valueBytes).fill(i & 0xff),
        headers: [{ key: "trace", value: enc.encode("abc") }],
        timestamp: 1_700_000_000_000 + i,
      })),
    }));
}

const RULES = { maxMessageBytes: 1 << 30, keyRequired: false };

interface Input {
  bytes: Uint8Array;
  header: ReturnType<typeof validateBatch>;
}

const CASES: Array<{ name: string; run: (input: Input) => void }> = [
  { name: "CRC + header (validateBatch)", run: ({ bytes }) => void validateBatch(bytes) },
  {
    name: "records walk (checkRecords)",
    run: ({ bytes, header }) =>
      checkRecords(bytes, BATCH_HEADER_BYTES, bytes.length, header, {
        batchAt: 0,
        keyRequired: false,
      }),
  },
  {
    name: "produce parse (all of the above)",
    run: ({ bytes }) => void parseProducedBatches(bytes, RULES),
  },
];

function measure(list: Input[], run: (input: Input) => void) {
  let batchesDone = 0;
  let bytes = 0;
  const startCpu = cpuSeconds();
  const endMs = performance.now() + secondsPerCase * 1000;
  // Bounded by wall time: checked every full pass over the list.
  while (performance.now() < endMs) {
    for (const input of list) {
      run(input);
      bytes += input.bytes.length;
    }
    batchesDone += list.length;
  }
  const seconds = cpuSeconds() - startCpu;
  return {
    mbPerS: bytes / seconds / 1e6,
    recordsPerS: (batchesDone * RECORDS_PER_BATCH) / seconds,
  };
}

for (const valueBytes of [100, 1024]) {
  const list = batches(valueBytes).map((bytes) => ({ bytes, header: validateBatch(bytes) }));
  for (const c of CASES) {
    measure(list, c.run); // warm-up
    const { mbPerS, recordsPerS } = measure(list, c.run);
    console.log(
      `${String(valueBytes).padStart(4)} B  ${c.name.padEnd(40)} ${
        mbPerS.toFixed(0).padStart(6)
      } MB/s  ${(recordsPerS / 1e6).toFixed(2).padStart(6)} M records/s`,
    );
  }
}
