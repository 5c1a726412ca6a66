// Consumer groups end to end, per host runtime: the broker runs as a real process under node,
// deno or bun (its coordinator, __consumer_offsets and fsyncs are what varies); the group
// consumers run in this process over the CBOR protocol. E2E_GROUP_HOSTS=deno,bun narrows the
// hosts; E2E_GROUP_SEED replays one churn schedule of the at-least-once test.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Admin } from "../../src/client/admin.ts";
import type { Consumer, ConsumerRecord, TopicPartition } from "../../src/client/consumer.ts";
import { Producer } from "../../src/client/producer.ts";
import { TributaryError } from "../../src/model/errors.ts";
import {
  type BrokerProcess,
  hosts,
  makeTempDir,
  requireHost,
  selectedHosts,
  startBrokerProcess,
} from "./broker-process.ts";
import {
  freezableGroupClient,
  groupConsumer,
  rt,
  seededRandom,
  tpName,
  waitUntil,
} from "./group-helpers.ts";

const selected = selectedHosts("E2E_GROUP_HOSTS");
const SESSION_TIMEOUT_MS = 1500;

for (const host of selected) {
  requireHost(host);
  describe(`consumer groups against a ${host} broker`, () => {
    const dir = makeTempDir(`tributary-groups-${host}-`);
    let broker: BrokerProcess;
    let admin: Admin;

    beforeAll(async () => {
      broker = await startBrokerProcess(host, { dataDir: dir.path });
      admin = new Admin(rt, { bootstrap: broker.bootstrap });
    }, 60_000);
    afterAll(async () => {
      await admin?.close();
      await broker?.stop();
      dir.remove();
    });

    it(
      "three members get two of six partitions each; a frozen one is replaced after its session timeout and its commits are refused",
      async () => {
        await admin.createTopic("six", { partitions: 6 });
        const frozen = freezableGroupClient(broker.bootstrap, "trio");
        const options = {
          groupId: "trio",
          topics: ["six"],
          sessionTimeoutMs: SESSION_TIMEOUT_MS,
        };
        const a = groupConsumer(broker.bootstrap, options);
        const b = groupConsumer(broker.bootstrap, options);
        const c = groupConsumer(broker.bootstrap, { ...options, groupClient: frozen.client });
        await waitUntil(
          "two partitions each",
          () => [a, b, c].every((m) => m.assignment().length === 2),
          20_000,
        );
        const cOwned = c.assignment();
        frozen.freeze();
        const tookMs = await waitUntil(
          "the other two own all six",
          () => a.assignment().length === 3 && b.assignment().length === 3,
          10_000,
        );
        // Not before the session could have run out (its last heartbeat was at most one
        // heartbeat interval, a third of the session, before the freeze), and soon after it.
        expect(tookMs).toBeGreaterThanOrEqual(SESSION_TIMEOUT_MS * 2 / 3 - 100);
        expect(tookMs).toBeLessThan(SESSION_TIMEOUT_MS + 3000);
        const taken = [...a.assignment(), ...b.assignment()].map(tpName);
        for (const tp of cOwned) expect(taken).toContain(tpName(tp));
        expect(c.assignment()).toEqual(cOwned); // the zombie still believes it owns them

        const refused = await c.commit([{ ...cOwned[0], offset: 1 }]).catch((e: unknown) => e);
        expect(refused).toBeInstanceOf(TributaryError);
        expect(["FENCED_MEMBER_EPOCH", "UNKNOWN_MEMBER_ID"]).toContain(
          (refused as TributaryError).code,
        );
        expect((await admin.describeGroup("trio")).members).toHaveLength(2);

        await Promise.all([a.close(), b.close()]);
        // Its leave cannot reach the coordinator either.
        await expect(c.close()).rejects.toMatchObject({ code: "NETWORK_EXCEPTION" });
        const group = await admin.describeGroup("trio");
        expect(group.members).toEqual([]);
        expect(group.state).toBe("empty");
      },
      60_000,
    );

    it("at least once: 50,000 records while members join and leave at random", async () => {
      const seed = Number(process.env.E2E_GROUP_SEED ?? 20_240_501 + hosts.indexOf(host));
      const run = new AtLeastOnceRun(broker.bootstrap, seed);
      try {
        await admin.createTopic(AtLeastOnceRun.topic, { partitions: AtLeastOnceRun.partitions });
        await run.execute();
      } finally {
        await run.stopAll();
      }
      const context = `seed ${seed} (replay: E2E_GROUP_SEED=${seed} E2E_GROUP_HOSTS=${host}), ` +
        `${run.joins} joins, ${run.revocations} revocations, ${run.duplicates} duplicates`;
      expect(run.violations.slice(0, 5), context).toEqual([]);
      expect(run.missing(), context).toEqual([]);
      expect(run.revocations, context).toBeGreaterThan(0);
    }, 120_000);

    it("committed offsets survive a kill -9 of the broker and a restart", async () => {
      const topic = "durable";
      await admin.createTopic(topic, { partitions: 3 });
      await produce(broker.bootstrap, topic, 300, 3);
      const options = {
        groupId: "durable-g",
        topics: [topic],
        sessionTimeoutMs: SESSION_TIMEOUT_MS,
        enableAutoCommit: false,
      };
      const first = groupConsumer(broker.bootstrap, { ...options, autoOffsetReset: "earliest" });
      const read: ConsumerRecord[] = [];
      for (let i = 0; i < 200 && read.length < 150; i++) {
        read.push(...await first.poll({ timeoutMs: 100, maxRecords: 150 - read.length }));
      }
      // commit() commits every position, also where nothing was read yet (earliest: 0).
      const expected = new Map<number, number>();
      for (const tp of first.assignment()) expected.set(tp.partition, await first.position(tp));
      expect(expected.size).toBe(3);
      expect([...expected.values()].reduce((x, y) => x + y)).toBe(read.length);
      await first.commit();

      await broker.kill9();
      await admin.close();
      await expect(first.close()).rejects.toMatchObject({ code: "NETWORK_EXCEPTION" });
      broker = await startBrokerProcess(host, { dataDir: dir.path });
      admin = new Admin(rt, { bootstrap: broker.bootstrap });

      const committed = await admin.fetchOffsets("durable-g");
      expect(new Map(committed.map((o) => [o.partition, o.offset]))).toEqual(expected);
      // "latest" where nothing is committed: a record from before the crash then proves a resume.
      const second = groupConsumer(broker.bootstrap, { ...options, autoOffsetReset: "latest" });
      const firstSeen = new Map<number, number>();
      await waitUntil("resumed on every partition with a commit below its end", async () => {
        for (const r of await second.poll({ timeoutMs: 100 })) {
          if (!firstSeen.has(r.partition)) firstSeen.set(r.partition, r.offset);
        }
        return [...expected].every(([p, offset]) => offset === 100 || firstSeen.has(p));
      }, 20_000);
      for (const [p, offset] of expected) if (offset < 100) expect(firstSeen.get(p)).toBe(offset);
      await second.close();
    }, 90_000);
  });
}

async function produce(bootstrap: string, topic: string, count: number, partitions: number) {
  const producer = new Producer(rt, { bootstrap, lingerMs: 2 });
  await Promise.all(
    Array.from(
      { length: count },
      (_, i) => producer.send({ topic, partition: i % partitions, value: `v${i}` }),
    ),
  );
  await producer.close();
}

interface Member {
  consumer: Consumer;
  loop: Promise<void>;
  stopping: boolean;
}

/**
 * Produces 50,000 records in paced rounds while a seeded schedule adds and closes members,
 * then lets the survivors finish. Every delivery is checked as it happens: a record seen before
 * must not lie below the committed offset recorded at the partition's latest revocation.
 */
class AtLeastOnceRun {
  static readonly topic = "alo";
  static readonly partitions = 6;
  static readonly records = 50_000;
  static readonly churnSteps = 12;
  static readonly membersMax = 4;

  readonly violations: string[] = [];
  revocations = 0;
  duplicates = 0;
  joins = 0;
  readonly #bootstrap: string;
  readonly #random: { int(n: number): number };
  readonly #members: Member[] = [];
  readonly #delivered = new Map<string, number>();
  readonly #produced: string[] = [];
  readonly #committedAtRevocation = new Array<number>(AtLeastOnceRun.partitions).fill(0);

  constructor(bootstrap: string, seed: number) {
    this.#bootstrap = bootstrap;
    this.#random = seededRandom(seed);
  }

  async execute(): Promise<void> {
    this.#start();
    this.#start();
    await Promise.all([this.#produceAll(), this.#churn()]);
    if (this.#members.length === 0) this.#start();
    await waitUntil(
      "every record delivered",
      () => this.#delivered.size >= AtLeastOnceRun.records,
      60_000,
    );
  }

  missing(): string[] {
    return this.#produced.filter((key) => !this.#delivered.has(key)).slice(0, 10);
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.#members].map((m) => this.#stop(m)));
  }

  async #produceAll(): Promise<void> {
    const producer = new Producer(rt, { bootstrap: this.#bootstrap, lingerMs: 5 });
    const rounds = 50;
    const perRound = AtLeastOnceRun.records / rounds;
    for (let round = 0; round < rounds; round++) {
      const sends = Array.from({ length: perRound }, (_, j) => {
        const i = round * perRound + j;
        return producer.send({ topic: AtLeastOnceRun.topic, key: `k${i}`, value: `v${i}` });
      });
      for (const m of await Promise.all(sends)) this.#produced.push(`${m.partition}/${m.offset}`);
      await new Promise((r) => setTimeout(r, 60));
    }
    await producer.close();
  }

  async #churn(): Promise<void> {
    for (let step = 0; step < AtLeastOnceRun.churnSteps; step++) {
      await new Promise((r) => setTimeout(r, 250 + this.#random.int(500)));
      const count = this.#members.length;
      const add = count < 2 || (count < AtLeastOnceRun.membersMax && this.#random.int(2) === 0);
      if (add) this.#start();
      else await this.#stop(this.#members[this.#random.int(count)]);
    }
  }

  #start(): void {
    this.joins++;
    const member: Member = { stopping: false } as Member;
    member.consumer = groupConsumer(this.#bootstrap, {
      groupId: "alo-g",
      topics: [AtLeastOnceRun.topic],
      autoOffsetReset: "earliest",
      sessionTimeoutMs: 3000,
      autoCommitIntervalMs: 200,
      maxPollRecords: 300,
      onPartitionsRevoked: (tps) => this.#onRevoked(member, tps),
    });
    member.loop = this.#consume(member);
    this.#members.push(member);
  }

  async #stop(member: Member): Promise<void> {
    this.#members.splice(this.#members.indexOf(member), 1);
    member.stopping = true;
    await member.consumer.close();
    await member.loop;
  }

  async #consume(member: Member): Promise<void> {
    while (!member.stopping) {
      const records = await member.consumer.poll({ timeoutMs: 100 });
      for (const r of records) this.#deliver(r);
      // "Processing" takes a while: a rebalance meanwhile commits only what earlier polls
      // returned, so this batch is delivered again by the next owner.
      if (records.length > 0) await new Promise((r) => setTimeout(r, this.#random.int(30)));
    }
  }

  #deliver(r: ConsumerRecord): void {
    const key = `${r.partition}/${r.offset}`;
    const seen = this.#delivered.get(key) ?? 0;
    if (seen > 0) this.duplicates++;
    if (seen > 0 && r.offset < this.#committedAtRevocation[r.partition]) {
      this.violations.push(
        `${key} delivered again below ${this.#committedAtRevocation[r.partition]}`,
      );
    }
    this.#delivered.set(key, seen + 1);
  }

  /** Runs after the member committed its positions and before the partitions are released. */
  async #onRevoked(member: Member, tps: TopicPartition[]): Promise<void> {
    this.revocations++;
    for (const { partition, offset } of await member.consumer.committed(tps)) {
      if (offset === null) continue;
      if (offset < this.#committedAtRevocation[partition]) {
        this.violations.push(`committed offset of ${partition} went back to ${offset}`);
      }
      this.#committedAtRevocation[partition] = offset;
    }
  }
}
