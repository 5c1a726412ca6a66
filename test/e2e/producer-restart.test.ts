// An idempotent Producer keeps going across broker restarts, under each host: its last batch
// lies behind more than 20,000 offsets of another producer's records (more than the broker
// used to rescan for producer state), the broker is stopped cleanly or killed with -9 and
// started again on the same port, and the same Producer instance sends on without an error.
// Every record it sent is in the log exactly once, in order.
import { afterAll, describe, expect, it } from "vitest";
import { Admin, Consumer, Producer } from "../../src/index.ts";
import {
  type BrokerProcess,
  hosts,
  makeTempDir,
  requireHost,
  startBrokerProcess,
} from "./broker-process.ts";

const TOPIC = "pstate";
const FILLER_RECORDS = 21_000;
const ROUNDS = 3;
const PER_ROUND = 5;

/** promise, or a rejection naming what did not finish within ms. */
async function within<T>(ms: number, what: string, promise: Promise<T>): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not settled within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

async function fill(bootstrap: string, round: number): Promise<void> {
  const filler = new Producer({ bootstrap, acks: "all", idempotent: false, lingerMs: 5 });
  const pending: Array<Promise<unknown>> = [];
  for (let i = 0; i < FILLER_RECORDS; i++) {
    pending.push(filler.send({ topic: TOPIC, partition: 0, value: `f${round}-${i}` }));
    if (pending.length >= 2000) await Promise.all(pending.splice(0, 1000));
  }
  await Promise.all(pending);
  await filler.close();
}

for (const host of hosts) {
  requireHost(host);
  describe(`idempotent producer across restarts under ${host}`, () => {
    const dir = makeTempDir(`tributary-pstate-${host}-`);
    let broker: BrokerProcess | null = null;

    afterAll(async () => {
      await broker?.kill9();
      dir.remove();
    });

    it("continues its sequence after a clean stop and after kill -9", async () => {
      broker = await startBrokerProcess(host, { dataDir: dir.path });
      const port = broker.port;
      const bootstrap = broker.bootstrap;
      const admin = new Admin({ bootstrap });
      await admin.createTopic(TOPIC, { partitions: 1, configs: { "segment.bytes": "262144" } });
      await admin.close();
      const producer = new Producer({
        bootstrap,
        acks: "all",
        idempotent: true,
        lingerMs: 0,
        retries: 20,
        retryBackoffMs: 50,
        requestTimeoutMs: 5000,
      });
      const sent: string[] = [];
      try {
        for (let round = 0; round < ROUNDS; round++) {
          for (let i = 0; i < PER_ROUND; i++) {
            const value = `p${round}-${i}`;
            await within(
              30_000,
              `send ${value}`,
              producer.send({ topic: TOPIC, partition: 0, value }),
            );
            sent.push(value);
          }
          if (round === ROUNDS - 1) break;
          await fill(bootstrap, round);
          if (round === 0) expect(await broker.stop()).toBe(0);
          else await broker.kill9();
          broker = await startBrokerProcess(host, { dataDir: dir.path, port });
        }
      } finally {
        await within(30_000, "producer close", producer.close()).catch(() => undefined);
      }

      const consumer = new Consumer({ bootstrap, autoOffsetReset: "earliest" });
      consumer.assign([{ topic: TOPIC, partition: 0 }]);
      const total = sent.length + FILLER_RECORDS * (ROUNDS - 1);
      const mine: string[] = [];
      let seen = 0;
      for (let i = 0; i < 400 && seen < total; i++) {
        for (const r of await consumer.poll({ timeoutMs: 300 })) {
          seen++;
          const value = new TextDecoder().decode(r.value ?? undefined);
          if (value.startsWith("p")) mine.push(value);
        }
      }
      await consumer.close();
      expect(seen).toBe(total);
      expect(mine).toEqual(sent);
      expect(await broker.stop()).toBe(0);
    }, 180_000);
  });
}
