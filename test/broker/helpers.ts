// Shared setup for broker tests: a real Node runtime, a temp data dir, and batch builders.
import { createNodeRuntime } from "../../runtime/node/mod.ts";
import type { Runtime } from "../../runtime/types.ts";
import { Broker, type BrokerOptions } from "../../src/broker/broker.ts";
import { TributaryError } from "../../src/model/errors.ts";
import { batchesIn, decodeRecords, encodeBatch } from "../../src/log/record-batch.ts";
import { concatBytes } from "../support/bytes.ts";

export const enc = (s: string) => new TextEncoder().encode(s);
export const dec = (b: Uint8Array | null) => (b === null ? null : new TextDecoder().decode(b));

export interface TestEnv {
  rt: Runtime;
  dataDir: string;
  brokers: Broker[];
  open(overrides?: Partial<BrokerOptions>): Promise<Broker>;
  cleanup(): Promise<void>;
}

export async function testEnv(): Promise<TestEnv> {
  const rt = createNodeRuntime();
  const dataDir = await rt.fs.makeTempDir("tributary-broker-");
  const env: TestEnv = {
    rt,
    dataDir,
    brokers: [],
    async open(overrides = {}) {
      const broker = await Broker.open(rt, {
        nodeId: 1,
        dataDir,
        host: "127.0.0.1",
        port: 0,
        ...overrides,
      });
      env.brokers.push(broker);
      return broker;
    },
    async cleanup() {
      for (const b of env.brokers) await b.close();
      await rt.fs.remove(dataDir, { recursive: true });
    },
  };
  return env;
}

export interface BatchOptions {
  producerId?: number;
  producerEpoch?: number;
  baseSequence?: number;
  timestamp?: number;
  compression?: number;
  control?: boolean;
}

/** A batch of string values (keys "k<i>" unless given). */
export function batch(values: string[], options: BatchOptions = {}): Uint8Array {
  const timestamp = options.timestamp ?? 1_700_000_000_000;
  return encodeBatch({
    records: values.map((v, i) => ({ key: enc(`k${i}`), value: enc(v), timestamp: timestamp + i })),
    producerId: options.producerId,
    producerEpoch: options.producerEpoch,
    baseSequence: options.baseSequence,
    compression: options.compression,
    control: options.control,
  });
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  return concatBytes(parts);
}

/** Every record in fetched bytes as {offset, value}. */
export function recordsIn(
  bytes: Uint8Array,
): Array<{ offset: number; value: string | null; timestamp: number }> {
  const out: Array<{ offset: number; value: string | null; timestamp: number }> = [];
  for (const { position } of batchesIn(bytes)) {
    for (const r of decodeRecords(bytes, position)) {
      out.push({ offset: r.offset, value: dec(r.value), timestamp: r.timestamp });
    }
  }
  return out;
}

/** Reads a whole partition from offset 0 to its high watermark. */
export async function readAll(broker: Broker, topic: string, partition = 0, from = 0) {
  const out: Array<{ offset: number; value: string | null; timestamp: number }> = [];
  let offset = from;
  for (let i = 0; i < 10_000; i++) {
    const [r] = await broker.fetch({
      partitions: [{ topic, partition, offset, maxBytes: 1 << 20 }],
      maxWaitMs: 0,
      minBytes: 0,
      maxBytes: 1 << 20,
    });
    if (r.error !== undefined) {
      throw new TributaryError(r.error as "UNKNOWN_SERVER_ERROR", r.errorMessage ?? "");
    }
    const got = recordsIn(r.records).filter((x) => x.offset >= offset);
    if (got.length === 0) return out;
    out.push(...got);
    offset = got[got.length - 1].offset + 1;
  }
  throw new Error("readAll did not finish");
}

/** The error code a promise rejects with (or "resolved"). */
export async function codeOf(p: Promise<unknown> | (() => unknown)): Promise<string> {
  try {
    await (typeof p === "function" ? p() : p);
  } catch (err) {
    return err instanceof TributaryError ? err.code : `not a TributaryError: ${String(err)}`;
  }
  return "resolved";
}
