// Crash: records produced with acks=all while the broker process runs, `kill -9` mid-stream,
// restart on the same data directory: every acknowledged record is there, at the offset the
// acknowledgement named, with its value. Run under each host (E2E_CRASH_HOSTS narrows it).
import { afterAll, describe, expect, it } from "vitest";
import { Admin, Consumer, type ConsumerRecord, Producer } from "../../src/index.ts";
import {
  type BrokerProcess,
  makeTempDir,
  requireHost,
  selectedHosts,
  startBrokerProcess,
} from "./broker-process.ts";

const PARTITIONS = 2;
const TOPIC = "crash";
const KILL_AFTER_ACKED = 3000;
const SENDS_MAX = 200_000;

const selected = selectedHosts("E2E_CRASH_HOSTS");

for (const host of selected) {
  requireHost(host);
  describe(`kill -9 under ${host}`, () => {
    const dir = makeTempDir(`tributary-crash-${host}-`);
    let broker: BrokerProcess | null = null;

    afterAll(async () => {
      await broker?.kill9();
      dir.remove();
    });

    it("keeps every acknowledged record across a kill -9 and restart", async () => {
      broker = await startBrokerProcess(host, { dataDir: dir.path });
      const admin = new Admin({ bootstrap: broker.bootstrap });
      await admin.createTopic(TOPIC, { partitions: PARTITIONS });
      await admin.close();

      const acked = new Map<string, { partition: number; offset: number }>();
      const producer = new Producer({
        bootstrap: broker.bootstrap,
        acks: "all",
        lingerMs: 2,
        batchBytes: 4096,
        retries: 2,
        retryBackoffMs: 20,
        requestTimeoutMs: 3000,
      });
      let failed = 0;
      let killed: Promise<void> | null = null;
      const victim = broker;
      const pending: Array<Promise<void>> = [];
      // Keep producing until the kill has happened and the producer has noticed it.
      for (let i = 0; i < SENDS_MAX && failed === 0; i++) {
        const value = `v-${i}`;
        pending.push(
          producer.send({ topic: TOPIC, key: `k${i % 31}`, value }).then(
            (m) => void acked.set(value, { partition: m.partition, offset: m.offset }),
            () => void failed++,
          ),
        );
        if (acked.size >= KILL_AFTER_ACKED && killed === null) killed = victim.kill9();
        // Let acknowledgements arrive: a bounded window of outstanding sends.
        if (pending.length >= 500) await Promise.all(pending.splice(0, 250));
      }
      await killed;
      await Promise.all(pending);
      await producer.close().catch(() => undefined); // its remaining batches fail: the broker is gone
      expect(killed).not.toBeNull();
      expect(acked.size).toBeGreaterThanOrEqual(KILL_AFTER_ACKED);

      broker = await startBrokerProcess(host, { dataDir: dir.path });
      const consumer = new Consumer({ bootstrap: broker.bootstrap, autoOffsetReset: "earliest" });
      consumer.assign(
        Array.from({ length: PARTITIONS }, (_, partition) => ({ topic: TOPIC, partition })),
      );
      const found = new Map<string, ConsumerRecord>();
      for (let i = 0; i < 200; i++) {
        const records = await consumer.poll({ timeoutMs: 300 });
        for (const r of records) found.set(new TextDecoder().decode(r.value ?? undefined), r);
        if (records.length === 0 && found.size >= acked.size) break;
      }
      await consumer.close();
      const missing: string[] = [];
      for (const [value, where] of acked) {
        const r = found.get(value);
        if (!r || r.partition !== where.partition || r.offset !== where.offset) missing.push(value);
      }
      expect(missing.slice(0, 10)).toEqual([]);
      expect(await broker.stop()).toBe(0);
    }, 120_000);
  });
}
