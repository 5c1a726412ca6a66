// confluent-kafka (librdkafka) and kafka-python programs against a real broker process under
// node, deno and bun, over the Kafka listener, one broker per runtime: the idempotent producer
// delivers every record once and in order, also after a batch the broker refused; a
// transactional one is refused at once; a group consumer with manual commits stops, and a
// second member of the group resumes right after its commit (kafka-python's KafkaAdminClient
// sees that group and its offsets); cooperative-sticky members rebalance incrementally; a
// static member comes back as itself; offsets_for_times answers from the time index, through
// every codec and with timestamps out of order; AdminClient creates, lists, describes, alters
// and deletes topics and lists the groups; and issue 12's kafka-python quick-start producer and
// consumer run as written (on localhost) against a test_topic nobody created, twice.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type BrokerProcess,
  makeTempDir,
  requireHost,
  selectedHosts,
  startBrokerProcess,
} from "../e2e/broker-process.ts";
import { freePorts } from "../e2e/cluster-process.ts";
import { ensureKafkaClients, PYTHON, type Run, runClient } from "./debian-clients.ts";
import {
  ADMIN_CLIENT,
  AUTO_CREATE,
  COOPERATIVE_GROUP,
  IDEMPOTENT_AFTER_REFUSAL,
  IDEMPOTENT_PRODUCER,
  KAFKA_PYTHON_GROUP_ADMIN,
  MANUAL_COMMIT_CONSUMER,
  OFFSETS_FOR_TIMES,
  OUT_OF_ORDER_TIMES,
  PLAIN_PRODUCER,
  QUICKSTART_CONSUMER,
  QUICKSTART_PRODUCER,
  STATIC_MEMBER,
  T0,
  TRANSACTIONAL_PRODUCER,
} from "./confluent-python-programs.ts";

const missing = ensureKafkaClients();
if (missing !== null) console.warn(`confluent-kafka e2e skipped: ${missing}`);

/** librdkafka's "no committed offset" (RD_KAFKA_OFFSET_INVALID). */
const NO_OFFSET = -1001;

async function python(program: string, args: string[], timeoutMs = 60_000): Promise<Run> {
  return runClient(PYTHON, ["-c", program, ...args], timeoutMs);
}

function json<T>(r: Run): T {
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as T;
}

type Row = [partition: number, offset: number, value: string];

/** The offset after the last row read from each of partitions 0 and 1 (none read: NO_OFFSET). */
function positions(rows: Row[]): Array<[number, number]> {
  return [0, 1].map((p) => {
    const mine = rows.filter((r) => r[0] === p);
    return [p, mine.length === 0 ? NO_OFFSET : Math.max(...mine.map((r) => r[1])) + 1];
  });
}

for (const host of selectedHosts("TRIBUTARY_E2E_HOSTS")) {
  describe.skipIf(missing !== null)(`confluent-kafka and kafka-python under ${host}`, () => {
    let broker: BrokerProcess | null = null;
    let kafkaPort = 0;
    let bootstrap = "";
    const dir = makeTempDir(`tributary-confluent-${host}-`);

    beforeAll(async () => {
      requireHost(host);
      [kafkaPort] = await freePorts(1);
      bootstrap = `127.0.0.1:${kafkaPort}`;
      broker = await startBrokerProcess(host, { dataDir: dir.path, kafkaPort });
    }, 60_000);
    afterAll(async () => {
      await broker?.stop();
      dir.remove();
    });

    it("the idempotent producer delivers each record once, in order", async () => {
      const out = json<
        { left: number; reports: Array<[string | null, number, number]>; records: Row[] }
      >(
        await python(IDEMPOTENT_PRODUCER, [bootstrap, "idem"]),
      );
      expect(out.left).toBe(0);
      expect(out.reports.filter((r) => r[0] !== null)).toEqual([]);
      for (const partition of [0, 1]) {
        // Record i went to partition i % 2: the log holds them at offsets 0..99 in send order.
        const want = Array.from(
          { length: 100 },
          (_, n) => [partition, n, `v-${2 * n + partition}`],
        );
        expect(out.records.filter((r) => r[0] === partition)).toEqual(want);
        const acked = out.reports.filter((r) => r[1] === partition).map((r) => r[2]);
        expect(acked).toEqual(want.map((w) => w[1]));
      }
      expect(out.records).toHaveLength(200);
    }, 90_000);

    it("an idempotent producer goes on in order after a batch over max.message.bytes", async () => {
      const out = json<{ reports: unknown[]; records: unknown[] }>(
        await python(IDEMPOTENT_AFTER_REFUSAL, [bootstrap, "small"]),
      );
      expect(out.reports).toEqual([
        ["before", null, 0],
        ["big", "MSG_SIZE_TOO_LARGE", null],
        ["after-0", null, 1],
        ["after-1", null, 2],
        ["after-2", null, 3],
      ]);
      expect(out.records).toEqual([[0, "before"], [1, "after-0"], [2, "after-1"], [3, "after-2"]]);
    }, 60_000);

    it("a transactional producer is refused at once, fatally, with the reason", async () => {
      const out = json<{ name: string; fatal: boolean; message: string; seconds: number }>(
        await python(TRANSACTIONAL_PRODUCER, [bootstrap]),
      );
      expect([out.name, out.fatal]).toEqual(["TRANSACTIONAL_ID_AUTHORIZATION_FAILED", true]);
      expect(out.message).toContain("transactions are not supported by this broker");
      // Not after init_transactions' 30 s timeout, as it was while FindCoordinator said
      // COORDINATOR_NOT_AVAILABLE.
      expect(out.seconds).toBeLessThan(10);
    }, 60_000);

    it(
      "a manual-commit group member stops, the next resumes after its commit, admins see both",
      async () => {
        expect(json<{ left: number }>(await python(PLAIN_PRODUCER, [bootstrap, "grp"])).left).toBe(
          0,
        );
        type Member = {
          records: Row[];
          committed: Array<[number, number]>;
          fetched: Array<[number, number]>;
        };
        const first = json<Member>(
          await python(MANUAL_COMMIT_CONSUMER, [bootstrap, "grp", "manual", "7"]),
        );
        expect(first.records).toHaveLength(7);
        expect(first.committed).toEqual(positions(first.records));
        expect(first.fetched).toEqual(first.committed);

        const second = json<Member>(
          await python(MANUAL_COMMIT_CONSUMER, [bootstrap, "grp", "manual", "13"]),
        );
        expect(second.records).toHaveLength(13);
        for (const [partition, committed] of first.committed) {
          const next = second.records.find((r) => r[0] === partition);
          expect(next?.[1]).toBe(committed === NO_OFFSET ? 0 : committed);
        }
        // Between them the two members read every record exactly once.
        const all = [...first.records, ...second.records].map((r) => r[2]).sort();
        expect(all).toEqual(Array.from({ length: 20 }, (_, i) => `g-${i}`).sort());
        expect(second.committed).toEqual([[0, 10], [1, 10]]);
        expect(second.fetched).toEqual([[0, 10], [1, 10]]);

        // kafka-python's admin sees the same group and its offsets, a live group, and deletes it.
        const admin = json<Record<string, unknown>>(
          await python(KAFKA_PYTHON_GROUP_ADMIN, [bootstrap, "grp", "manual"]),
        );
        expect(admin).toEqual({
          listed: [["manual", "consumer"]],
          described: ["manual", "Empty", "consumer", 0],
          offsets: [[0, 10], [1, 10]],
          live: ["Stable", "range", 1, [[0, 1]]],
          deleted: [["manual", "NoError"]],
          after_delete: [],
        });
      },
      120_000,
    );

    it(
      "offsets_for_times answers the first offset at or after each time, -1 past the end",
      async () => {
        const times = [T0 - 5000, T0, T0 + 3000, T0 + 3500, T0 + 9000, T0 + 9001];
        // Partition 0 holds one record per second from T0, partition 1 two.
        const p0 = [0, 0, 3, 4, 9, -1];
        const p1 = [0, 0, 6, 8, 18, -1];
        for (const codec of ["none", "gzip", "snappy", "lz4", "zstd"]) {
          const out = json<
            { left: number; answers: Array<Array<[number, number, string | null]>>; stamp: unknown }
          >(await python(OFFSETS_FOR_TIMES, [bootstrap, `times-${codec}`, times.join(","), codec]));
          expect(out.left, codec).toBe(0);
          expect(out.answers, codec).toEqual(
            times.map((_, i) => [[0, p0[i], null], [1, p1[i], null]]),
          );
          // [offset, [TIMESTAMP_CREATE_TIME, ms]]
          expect(out.stamp, codec).toEqual([3, [1, T0 + 3000]]);
        }
      },
      120_000,
    );

    it("offsets_for_times with timestamps out of order answers by offset, as Kafka", async () => {
      // Offsets 0-5 carry T0 + 1000, 5000, 2000, 3000, 7000, 6000.
      // [ms after T0 asked, offset answered]
      const want = [
        [0, 0],
        [1500, 1],
        [2500, 1],
        [4000, 1],
        [5500, 4],
        [6500, 4],
        [7000, 4],
        [7001, -1],
      ];
      for (const linger of ["50", "0"]) {
        const out = json<{ left: number; answers: number[][] }>(
          await python(OUT_OF_ORDER_TIMES, [bootstrap, `unordered-${linger}`, linger]),
        );
        expect(out.left).toBe(0);
        expect(out.answers, `linger.ms ${linger}`).toEqual(want);
      }
    }, 60_000);

    it("cooperative-sticky members move only the partitions that change hands", async () => {
      type Event = [member: string, kind: "assign" | "revoke", partitions: number[]];
      const out = json<
        { alone: number[]; shared: [number[], number[]]; after: number[]; events: Event[] }
      >(await python(COOPERATIVE_GROUP, [bootstrap, "coop"], 90_000));
      expect(out.alone).toEqual([0, 1, 2, 3]);
      const [kept, moved] = out.shared;
      expect([kept.length, moved.length]).toEqual([2, 2]);
      expect([...kept, ...moved].sort()).toEqual([0, 1, 2, 3]);
      expect(out.after).toEqual([0, 1, 2, 3]);
      // Incremental: c1 gives up exactly what c2 takes and never its whole set; c2's partitions
      // come back to c1 as an increment when c2 leaves. (Empty assigns end a rebalance round.)
      const moves = out.events.filter((e) => e[2].length > 0);
      expect(moves).toEqual([
        ["c1", "assign", [0, 1, 2, 3]],
        ["c1", "revoke", moved],
        ["c2", "assign", moved],
        ["c2", "revoke", moved],
        ["c1", "assign", moved],
      ]);
    }, 120_000);

    it("a static member comes back as itself, with its partitions", async () => {
      const out = json<{ runs: number[][]; groups: Array<[string, number]> }>(
        await python(STATIC_MEMBER, [bootstrap, "static"], 90_000),
      );
      expect(out.runs).toEqual([[0, 1], [0, 1]]);
      // One member: the second run took the first one's place instead of joining beside it.
      expect(out.groups).toEqual([["Stable", 1]]);
    }, 120_000);

    it(
      "AdminClient creates, lists, describes, alters and deletes topics and lists groups",
      async () => {
        const out = json<Record<string, unknown>>(
          await python(ADMIN_CLIENT, [bootstrap, "adm", "adm-group"], 90_000),
        );
        expect(out).toEqual({
          create: null,
          create_again: "TOPIC_ALREADY_EXISTS",
          listed: [0, 1, 2],
          brokers: [[1, "127.0.0.1", kafkaPort]],
          controller: 1,
          described: {
            "retention.ms": ["3600000", false],
            "cleanup.policy": ["compact", false],
            "segment.bytes": ["1073741824", true],
          },
          alter: null,
          altered: {
            "retention.ms": ["604800000", true],
            "cleanup.policy": ["delete", false],
            "max.message.bytes": ["65536", false],
          },
          grow_validate: null,
          shrink_validate: "INVALID_PARTITIONS",
          // Grown to 5 by the node itself; the group consumer is then assigned all five.
          grow: null,
          assignment: [0, 1, 2, 3, 4],
          groups: [["adm-group", "Stable", "consumer", "range", 1]],
          deleted: null,
          after_delete: false,
          delete_again: "UNKNOWN_TOPIC_OR_PART",
        });
      },
      120_000,
    );

    it("librdkafka's consumer does not auto-create a topic; its producer does", async () => {
      const out = json<Record<string, unknown>>(
        await python(AUTO_CREATE, [bootstrap, "never-made", "made-by-producer"]),
      );
      expect(out).toEqual({
        consumer: ["UNKNOWN_TOPIC_OR_PART"],
        consumer_made: false,
        producer: [null],
        producer_made: true,
      });
    }, 60_000);

    it("kafka-python's quick-start producer and consumer run on localhost as written", async () => {
      const local = `localhost:${kafkaPort}`;
      const put = await python(QUICKSTART_PRODUCER, [local]);
      expect(put.code, put.stderr).toBe(0);
      const get = await python(QUICKSTART_CONSUMER, [local]);
      expect(get.code, get.stderr).toBe(0);
      // test_topic was auto-created with num.partitions = 1.
      expect(get.stdout.trim().split("\n")).toEqual(
        Array.from({ length: 5 }, (_, i) => `test_topic 0 ${i} message ${i}`),
      );

      // Run both again: the consumer's auto-commit (every 5 s while it polled) kept its place,
      // so the second run reads only the new records. It first waits for the first run's
      // member, which never left the group, to reach its session timeout (10 s).
      const again = await python(QUICKSTART_PRODUCER, [local]);
      expect(again.code, again.stderr).toBe(0);
      const resumed = await python(QUICKSTART_CONSUMER, [local]);
      expect(resumed.code, resumed.stderr).toBe(0);
      expect(resumed.stdout.trim().split("\n")).toEqual(
        Array.from({ length: 5 }, (_, i) => `test_topic 0 ${5 + i} message ${i}`),
      );
    }, 120_000);
  });
}
