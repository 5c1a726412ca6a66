// A consumer group in a 3-node cluster of real processes (node): offsets committed through the
// group coordinator survive SIGKILL of the broker leading the group's __consumer_offsets
// partition (it comes back on its data directory), and a new member resumes from them.
import { afterAll, describe, expect, it, onTestFailed } from "vitest";
import { Admin, Consumer, Producer } from "../../src/index.ts";
import { offsetsPartitionFor } from "../../src/coordinator/offsets-partition.ts";
import { type ProcessCluster, startProcessCluster } from "./cluster-process.ts";
import { waitForPartition, within } from "./cluster-load.ts";

const TOPIC = "grouped";
const GROUP = "survivors";
const RECORDS = 1_000;
const COMMIT_AT = 400;
const WAIT_MS_MAX = 30_000;

async function pollValues(consumer: Consumer, count: number, timeoutMs: number) {
  const values: Array<{ offset: number; value: string }> = [];
  const deadline = Date.now() + timeoutMs;
  while (values.length < count && Date.now() < deadline) {
    for (const r of await consumer.poll({ timeoutMs: 500, maxRecords: count - values.length })) {
      values.push({ offset: r.offset, value: new TextDecoder().decode(r.value ?? undefined) });
    }
  }
  return values;
}

describe("consumer group in a 3-node cluster (node)", () => {
  let cluster: ProcessCluster | null = null;
  afterAll(async () => {
    await cluster?.stopAll();
  });

  it("keeps committed offsets across a kill of the group's coordinator", async () => {
    cluster = await startProcessCluster({ hosts: ["node", "node", "node"] });
    const c = cluster;
    onTestFailed(() => console.log(c.logTails()));
    await c.waitForActiveBrokers(3);
    const admin = new Admin({ bootstrap: c.bootstrap });
    await admin.createTopic(TOPIC, {
      partitions: 1,
      replicationFactor: 3,
      configs: { "min.insync.replicas": "2" },
    });
    const producer = new Producer({ bootstrap: c.bootstrap, acks: "all", lingerMs: 2 });
    await Promise.all(
      Array.from(
        { length: RECORDS },
        (_, i) => producer.send({ topic: TOPIC, partition: 0, value: `r-${i}` }),
      ),
    );
    await producer.close();

    const first = new Consumer({
      bootstrap: c.bootstrap,
      groupId: GROUP,
      topics: [TOPIC],
      autoOffsetReset: "earliest",
      enableAutoCommit: false,
    });
    const read = await pollValues(first, COMMIT_AT, WAIT_MS_MAX);
    expect(read.map((r) => r.offset)).toEqual(Array.from({ length: COMMIT_AT }, (_, i) => i));
    await within(WAIT_MS_MAX, "commit", first.commit());
    await within(WAIT_MS_MAX, "first close", first.close());

    const offsetsTopic = await admin.describeTopic("__consumer_offsets");
    const coordinatorPartition = offsetsPartitionFor(GROUP, offsetsTopic.partitions.length);
    const p = await waitForPartition(
      c.bootstrap,
      "__consumer_offsets",
      (x) => x.leader > 0,
      WAIT_MS_MAX,
      coordinatorPartition,
    );
    await admin.close();
    await c.kill9(p.leader);
    await c.restart(p.leader);
    await c.waitForActiveBrokers(3);

    const second = new Consumer({
      bootstrap: c.bootstrap,
      groupId: GROUP,
      topics: [TOPIC],
      autoOffsetReset: "earliest",
      enableAutoCommit: false,
    });
    const rest = await pollValues(second, RECORDS - COMMIT_AT, WAIT_MS_MAX * 2);
    await within(WAIT_MS_MAX, "second close", second.close());
    expect(rest[0]?.offset).toBe(COMMIT_AT);
    expect(rest.map((r) => r.value)).toEqual(
      Array.from({ length: RECORDS - COMMIT_AT }, (_, i) => `r-${COMMIT_AT + i}`),
    );
  }, 120_000);
});
