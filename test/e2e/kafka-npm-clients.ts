// Helpers for the npm Kafka clients' suite: kafkajs and @platformatic/kafka pointed at one
// broker process, and the records a test reads back through Tributary's own client to check
// what the Kafka clients wrote.
import { Kafka, logLevel } from "kafkajs";
import { Consumer, type ConsumerRecord } from "../../src/index.ts";

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
