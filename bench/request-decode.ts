// Micro benchmark of the server's hot decoding path: Produce and Fetch request payloads decoded
// (decodeRequest: CBOR and envelope) and then also validated (validateRequest), over and over.
// It guards the CBOR decoder against getting slower; no broker, no sockets.
//
//   npm run build && node dist/bench/request-decode.js [seconds]
//   node_modules/.bin/deno run -A bench/request-decode.ts [seconds]
//   node_modules/.bin/bun run bench/request-decode.ts [seconds]
import { encodeBatch } from "../src/log/record-batch.ts";
import { decodeRequest, encodeRequestFrame } from "../src/protocol/cbor/envelope.ts";
import { FRAME_HEADER_BYTES } from "../src/protocol/cbor/frame.ts";
import { Op, opName } from "../src/protocol/cbor/op-codes.ts";
import { validateRequest } from "../src/protocol/cbor/ops/index.ts";

const secondsArg = Number((globalThis as { process?: { argv: string[] } }).process?.argv[2]);
const seconds = Number.isFinite(secondsArg) && secondsArg > 0 ? secondsArg : 2;
const enc = new TextEncoder();

function batch(records: number, valueBytes: number): Uint8Array {
  const value = new Uint8Array(valueBytes).fill(0x61);
  return encodeBatch({
    records: Array.from({ length: records }, (_, i) => ({
      key: enc.encode(`key-${i}`),
      value,
      timestamp: 1_700_000_000_000 + i,
    })),
  });
}

const cases: Array<{ name: string; payload: Uint8Array }> = [
  {
    name: "produce, 1 partition, 100 x 100 B",
    payload: payloadOf(Op.Produce, {
      acks: 1,
      timeoutMs: 30_000,
      partitions: [{ topic: "orders", partition: 3, records: batch(100, 100) }],
    }),
  },
  {
    name: "produce, 8 partitions, 10 x 100 B each",
    payload: payloadOf(Op.Produce, {
      acks: -1,
      timeoutMs: 30_000,
      partitions: Array.from({ length: 8 }, (_, p) => ({
        topic: "orders",
        partition: p,
        records: batch(10, 100),
      })),
    }),
  },
  {
    name: "fetch, 8 partitions",
    payload: payloadOf(Op.Fetch, {
      maxWaitMs: 500,
      minBytes: 1,
      maxBytes: 1_048_576,
      partitions: Array.from({ length: 8 }, (_, p) => ({
        topic: "orders",
        partition: p,
        offset: 5_000_000_000 + p,
        maxBytes: 1_048_576,
      })),
    }),
  },
];

function payloadOf(op: number, body: unknown): Uint8Array {
  return encodeRequestFrame(op, 1, 7, body).subarray(FRAME_HEADER_BYTES);
}

// CPU time of this process where the host offers it (Node, Deno, Bun all do): on a machine shared
// with other work it varies far less than wall-clock time.
const cpuUsage = (globalThis as { process?: { cpuUsage?: () => { user: number; system: number } } })
  .process?.cpuUsage;

function now(): number {
  if (cpuUsage === undefined) return performance.now();
  const { user, system } = cpuUsage();
  return (user + system) / 1000;
}

let sink = 0;
function decodeOnly(payload: Uint8Array): void {
  sink += decodeRequest(payload).correlationId;
}

function decodeAndValidate(payload: Uint8Array): void {
  const envelope = decodeRequest(payload);
  const name = opName(envelope.op);
  if (name === undefined) throw new Error("unknown op");
  const body = validateRequest(name, envelope.version, envelope.body) as { partitions: unknown[] };
  sink += body.partitions.length;
}

function measure(name: string, payload: Uint8Array, run: (payload: Uint8Array) => void): void {
  for (let i = 0; i < 20_000; i++) run(payload); // warm-up
  let count = 0;
  const start = now();
  const endMs = start + seconds * 1000;
  while (now() < endMs) {
    for (let i = 0; i < 1000; i++) run(payload);
    count += 1000;
  }
  const perS = Math.round(count / ((now() - start) / 1000));
  console.log(
    `${name.padEnd(52)} ${String(perS).padStart(9)} requests/s of CPU  ` +
      `${(1e6 / perS).toFixed(2)} µs each  (${payload.byteLength} B payload)`,
  );
}

for (const c of cases) {
  measure(`${c.name}: decode`, c.payload, decodeOnly);
  measure(`${c.name}: decode+validate`, c.payload, decodeAndValidate);
}
if (sink === 0) console.log("(unreachable)");
