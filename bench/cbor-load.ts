// The TypeScript client's load for the throughput benchmarks: produce `records` records of
// `valueBytes` bytes with keys k0..k999 (acks=all; idempotent unless told otherwise), then read
// them all back from the beginning; each answers records/s.
import { createNodeRuntime } from "../runtime/node/mod.ts";
import { Consumer } from "../src/client/consumer.ts";
import { Producer } from "../src/client/producer.ts";

const rt = createNodeRuntime();

export interface Load {
  bootstrap: string;
  topic: string;
  partitions: number;
  records: number;
  valueBytes: number;
  idempotent?: boolean;
}

export async function produceCbor(l: Load): Promise<number> {
  const producer = new Producer(rt, {
    bootstrap: l.bootstrap,
    lingerMs: 5,
    batchBytes: 64 * 1024,
    ...(l.idempotent === undefined ? {} : { idempotent: l.idempotent }),
  });
  const value = new Uint8Array(l.valueBytes).fill(0x61);
  const started = performance.now();
  let window: Array<Promise<unknown>> = [];
  for (let i = 0; i < l.records; i++) {
    window.push(producer.send({ topic: l.topic, key: `k${i % 1000}`, value }));
    if (window.length >= 20_000) {
      await Promise.all(window);
      window = [];
    }
  }
  await Promise.all(window);
  await producer.close();
  return l.records / ((performance.now() - started) / 1000);
}

export async function consumeCbor(l: Load): Promise<number> {
  const consumer = new Consumer(rt, {
    bootstrap: l.bootstrap,
    autoOffsetReset: "earliest",
    maxPollRecords: 5000,
  });
  consumer.assign(
    Array.from({ length: l.partitions }, (_, partition) => ({ topic: l.topic, partition })),
  );
  const started = performance.now();
  let count = 0;
  for (let polls = 0; count < l.records && polls < 1_000_000; polls++) {
    count += (await consumer.poll({ timeoutMs: 1000 })).length;
  }
  const seconds = (performance.now() - started) / 1000;
  await consumer.close();
  if (count !== l.records) throw new Error(`consumed ${count} of ${l.records}`);
  return l.records / seconds;
}
