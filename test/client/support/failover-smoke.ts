// Run directly by Deno or Bun (test/client/failover-hosts.test.ts spawns it): the Producer and
// Consumer on that host's Runtime through a leader move (after a written batch whose answer was
// lost), a dead bootstrap broker, and a consumer resuming on the new leader, against the
// in-memory FakeCluster. Prints "CLIENT FAILOVER OK <runtime>" and exits 0, or throws.
import { loadRuntime } from "../../../runtime/load.ts";
import { Consumer, type ConsumerRecord } from "../../../src/client/consumer.ts";
import { Producer } from "../../../src/client/producer.ts";
import { TributaryError } from "../../../src/model/errors.ts";
import { FakeCluster } from "./fake-cluster.ts";

function check(condition: boolean, what: string): void {
  if (!condition) throw new Error(`check failed: ${what}`);
}

async function main(): Promise<void> {
  const rt = await loadRuntime();
  const cluster = new FakeCluster([1, 2, 3]);
  cluster.createTopic("t", 1, [1]);
  cluster.kill(3);
  let produced = 0;
  cluster.after = (node, op) => {
    if (node !== 1 || op !== "Produce" || ++produced !== 3) return;
    cluster.moveLeader("t", 0, 2);
    cluster.kill(1);
    throw new TributaryError("NETWORK_EXCEPTION", "smoke: leader died before answering");
  };
  const bootstrap = cluster.bootstrap([3, 1, 2]);
  const producer = new Producer(rt, {
    bootstrap,
    connector: cluster.connector(),
    lingerMs: 0,
    batchBytes: 120,
    retryBackoffMs: 5,
    retryBackoffMsMax: 20,
  });
  const sent = Array.from({ length: 100 }, (_, i) => `v${i}`);
  const offsets = await Promise.all(
    sent.map(async (v) => (await producer.send({ topic: "t", partition: 0, value: v })).offset),
  );
  await producer.close();
  check(offsets.every((o, i) => o === i), "every record acknowledged at its offset");
  const stored = cluster.values("t", 0);
  check(stored.length === sent.length && stored.every((v, i) => v === sent[i]), "written once");

  const consumer = new Consumer(rt, {
    bootstrap,
    connector: cluster.connector(),
    retryBackoffMs: 5,
    fetchMaxWaitMs: 20,
    autoOffsetReset: "earliest",
  });
  consumer.assign([{ topic: "t", partition: 0 }]);
  const read: ConsumerRecord[] = [];
  for (let i = 0; i < 200 && read.length < 100; i++) {
    read.push(...await consumer.poll({ timeoutMs: 100 }));
  }
  cluster.revive(1);
  cluster.moveLeader("t", 0, 1);
  const more = new Producer(rt, { bootstrap, connector: cluster.connector(), lingerMs: 0 });
  await Promise.all(
    Array.from({ length: 10 }, (_, i) => more.send({ topic: "t", partition: 0, value: `w${i}` })),
  );
  await more.close();
  for (let i = 0; i < 200 && read.length < 110; i++) {
    read.push(...await consumer.poll({ timeoutMs: 100 }));
  }
  await consumer.close();
  check(read.length === 110, "consumer read everything across the move");
  check(read.map((r) => r.offset).every((o, i) => o === i), "consumer offsets contiguous");
  check(cluster.log.includes("1 Fetch"), "resumed on the new leader");
  console.log(`CLIENT FAILOVER OK ${rt.name}`);
}

await main();
