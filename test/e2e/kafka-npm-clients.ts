// Helpers for the npm Kafka clients' suite: kafkajs and @platformatic/kafka pointed at one
// broker process, and the records a test reads back through Tributary's own client to check
// what the Kafka clients wrote.
import { Kafka, logLevel } from "kafkajs";
import { Consumer, type ConsumerRecord } from "../../src/index.ts";
import { batchesIn, compressionOf } from "../../src/log/record-batch.ts";
import { KafkaReader } from "../../src/protocol/kafka/reader.ts";
import { KafkaWriter } from "../../src/protocol/kafka/writer.ts";
import { rawClient, requestFrame } from "../protocol/kafka/support/raw-client.ts";

export function kafkajs(kafkaPort: number, clientId: string): Kafka {
  return new Kafka({
    clientId,
    brokers: [`127.0.0.1:${kafkaPort}`],
    logLevel: logLevel.NOTHING,
    retry: { retries: 3, initialRetryTime: 100, maxRetryTime: 1_000 },
    connectionTimeout: 5_000,
    requestTimeout: 15_000,
  });
}

/** Every record of the topic's partitions, read from the beginning (bounded in polls). */
export async function readAll(
  bootstrap: string,
  topic: string,
  partitions: number,
  expected: number,
): Promise<ConsumerRecord[]> {
  const consumer = new Consumer({ bootstrap, autoOffsetReset: "earliest" });
  consumer.assign(Array.from({ length: partitions }, (_, partition) => ({ topic, partition })));
  const got: ConsumerRecord[] = [];
  try {
    for (let i = 0; i < 100 && got.length < expected; i++) {
      got.push(...(await consumer.poll({ timeoutMs: 200 })));
    }
  } finally {
    await consumer.close();
  }
  return got;
}

export const text = (b: Uint8Array | null) => (b === null ? null : new TextDecoder().decode(b));

/** Polls `done` every 50 ms until it holds or `ms` pass; answers whether it held. */
export async function until(
  done: () => boolean | Promise<boolean>,
  ms = 30_000,
): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (!(await done())) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 50));
  }
  return true;
}

/** The codec of every batch stored in partition 0 of a topic, read over the Kafka listener. */
export async function storedCodecs(kafkaPort: number, topic: string): Promise<number[]> {
  const c = await rawClient(kafkaPort);
  try {
    const w = new KafkaWriter();
    w.int32(-1).int32(0).int32(0).int32(1 << 24).int8(0); // replica, wait, min, max, isolation
    w.array(false, [topic], (w, t) => {
      w.str(false, t).array(false, [0], (w, p) => w.int32(p).int64(0).int32(1 << 24));
    });
    c.send(requestFrame(1, 4, 1, w.finish().slice()));
    const r = new KafkaReader(await c.next());
    r.int32(); // correlation id
    r.int32(); // throttle
    let records: Uint8Array | null = null;
    r.array(false, "responses", (r) => {
      r.string();
      r.array(false, "partitions", (r) => {
        r.int32();
        const error = r.int16();
        if (error !== 0) throw new Error(`fetch error ${error}`);
        r.int64();
        r.int64();
        r.array(false, "aborted", (r) => [r.int64(), r.int64()]);
        records = r.nullableBytes();
      });
    });
    return [...batchesIn(records ?? new Uint8Array(0))].map((b) => compressionOf(b.header));
  } finally {
    c.destroy();
  }
}
