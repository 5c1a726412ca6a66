// A seeded model test of the active controller: random registrations (restarts included),
// heartbeats (behind, caught up, shutting down), time passing and ticks, AlterPartitions (valid,
// stale, ineligible), topic creation, deletion and growth, reassignments (started, replaced,
// cancelled) and controller failovers, with
// decisions committed in order, sometimes several steps late. After every step, on the committed
// image and on the controller's own: every partition's leader is an unfenced ISR member or
// NO_LEADER, the ISR is within the replicas and never empty (and holds a fenced broker only as its
// last member), epochs only grow, a reassignment's target stays within the replicas and one in
// sync is completed, and no committed batch is ever refused. Once everything pending
// has committed, the controller's image is the committed one.
//
// SIM_SEEDS=N for more seeds; SIM_SEED=S replays one with its trace.
import { describe, expect, it } from "vitest";
import { SeededRandom } from "../../../runtime/sim/prng.ts";
import type { Decision, ImageView } from "../../../src/controller/quorum/image-view.ts";
import { NO_LEADER } from "../../../src/controller/quorum/image-view.ts";
import { TributaryError } from "../../../src/model/errors.ts";
import { runWatchedSeed, SeedTrace, simSeeds } from "../../support/sim-seeds.ts";
import { Cluster, CLUSTER_ID, SESSION_MS } from "./harness.ts";

const TEST_PATH = "test/controller/quorum/model.test.ts";
const STEPS = 250;
const BROKER_IDS = [1, 2, 3, 4, 5];
const TOPICS = ["a", "b", "c", "d"];

/** Plain checks (expect() per partition per step would dominate the run time). */
function check(ok: boolean, what: string): void {
  if (!ok) throw new Error(`invariant broken: ${what}`);
}

function checkInvariants(image: ImageView, where: string): void {
  for (const t of image.topics()) {
    for (const p of t.partitions) {
      const name = `${where} ${t.name}-${p.partition} ${JSON.stringify(p)}`;
      check(p.isr.length > 0, `${name}: isr empty`);
      check(new Set(p.isr).size === p.isr.length, `${name}: isr has duplicates`);
      check(p.isr.every((b) => p.replicas.includes(b)), `${name}: isr outside replicas`);
      if (p.leader !== NO_LEADER) {
        check(p.isr.includes(p.leader), `${name}: leader outside isr`);
        check(image.broker(p.leader)?.fenced === false, `${name}: leader fenced`);
      }
      if (p.isr.length > 1) {
        check(p.isr.every((b) => image.broker(b)?.fenced === false), `${name}: fenced isr member`);
      }
      const target = p.targetReplicas;
      check((target === undefined) === (p.addingReplicas === undefined), `${name}: half a target`);
      if (target !== undefined) {
        check(target.every((b) => p.replicas.includes(b)), `${name}: target outside replicas`);
        const inSync = target.every((b) => p.isr.includes(b));
        const canLead = target.some((b) => image.broker(b)?.fenced === false);
        check(!(inSync && canLead), `${name}: a reassignment in sync was not completed`);
      }
    }
  }
}

function stateOf(image: ImageView) {
  return JSON.stringify({
    clusterId: image.clusterId,
    pids: image.nextProducerIdBlockStart,
    brokers: image.brokers(),
    topics: [...image.topics()].sort((a, b) => (a.name < b.name ? -1 : 1)),
  });
}

class Model {
  readonly c: Cluster;
  readonly rng: SeededRandom;
  readonly trace: SeedTrace;
  nowMs = 0;
  /** Decisions returned but not yet committed, oldest first. */
  pending: Decision<unknown>[] = [];
  readonly epochs = new Map<string, { leaderEpoch: number; partitionEpoch: number }>();
  incarnations = 0;

  constructor(seed: number, trace: SeedTrace) {
    this.rng = new SeededRandom(seed);
    this.trace = trace;
    this.c = new Cluster(seed, { leaderImbalanceCheckIntervalMs: 2000 });
  }

  pick<T>(xs: readonly T[]): T {
    return xs[this.rng.int(xs.length)];
  }

  /** Proposes a decision; it commits now or a few steps later, in order. */
  propose(d: Decision<unknown>): void {
    this.pending.push(d);
    if (this.rng.int(3) > 0) this.flush();
  }

  flush(): void {
    for (const d of this.pending) this.c.commit(d);
    this.pending = [];
  }

  /** A refused request is a normal answer; anything but a TributaryError is a bug. */
  attempt(what: string, f: () => Decision<unknown>): void {
    try {
      const d = f();
      this.trace.line(`${what}: ${d.records.length} records`);
      this.propose(d);
    } catch (err) {
      if (!(err instanceof TributaryError)) throw err;
      this.trace.line(`${what}: ${err.code}`);
    }
  }

  step(): void {
    const ctl = this.c.controller;
    const roll = this.rng.int(100);
    if (roll < 10) {
      const brokerId = this.pick(BROKER_IDS);
      const known = ctl.image.broker(brokerId);
      const incarnationId = known !== undefined && this.rng.int(3) > 0
        ? known.incarnationId
        : `inc-${brokerId}-${++this.incarnations}`;
      this.attempt(`register ${brokerId} ${incarnationId}`, () =>
        ctl.registerBroker({
          clusterId: CLUSTER_ID,
          brokerId,
          incarnationId,
          endpoints: [{ listener: "cbor", host: "127.0.0.1", port: 9000 + brokerId }],
          rack: this.pick(["r1", "r2", null]),
        }, this.nowMs));
    } else if (roll < 45) {
      const broker = this.pick(ctl.image.brokers().length > 0 ? ctl.image.brokers() : [null]);
      if (broker === null) return;
      const stale = this.rng.int(20) === 0;
      const incarnationId = stale ? "inc-stale" : broker.incarnationId;
      const registeredAtOffset =
        this.c.registeredAt.get(`${broker.brokerId}/${broker.incarnationId}`) ?? null;
      const behind = this.rng.int(5) === 0;
      const appliedOffset = behind ? Math.max(0, (registeredAtOffset ?? 1) - 1) : this.c.offset;
      const wantShutdown = this.rng.int(40) === 0;
      this.attempt(
        `heartbeat ${broker.brokerId} shutdown=${wantShutdown} behind=${behind}`,
        () =>
          ctl.brokerHeartbeat(
            { brokerId: broker.brokerId, incarnationId, appliedOffset, wantShutdown },
            this.nowMs,
            { registeredAtOffset },
          ),
      );
    } else if (roll < 60) {
      this.nowMs += this.rng.int(SESSION_MS / 2);
      this.attempt(`tick at ${this.nowMs}`, () => ctl.tick(this.nowMs));
    } else if (roll < 78) {
      this.alterPartition();
    } else if (roll < 88) {
      const name = this.pick(TOPICS);
      this.attempt(`create ${name}`, () =>
        ctl.createTopics({
          topics: [{
            name,
            partitions: 1 + this.rng.int(4),
            replicationFactor: 1 + this.rng.int(3),
          }],
        }));
    } else if (roll < 91) {
      const name = this.pick(TOPICS);
      this.attempt(`delete ${name}`, () => ctl.deleteTopics([name]));
    } else if (roll < 94) {
      const name = this.pick(TOPICS);
      const count = (ctl.image.topic(name)?.partitions.length ?? 0) + 1 + this.rng.int(2);
      this.attempt(`grow ${name} to ${count}`, () => ctl.createPartitions(name, count));
    } else if (roll < 95) {
      this.attempt("elect preferred", () => ctl.electLeaders());
    } else if (roll < 98) {
      this.reassign();
    } else {
      // Failover: what was not committed is lost; a new controller starts from the committed image.
      this.trace.line(`failover at ${this.nowMs}, dropping ${this.pending.length} decisions`);
      if (this.rng.int(2) === 0) this.flush();
      this.pending = [];
      this.c.elect(this.nowMs, { leaderImbalanceCheckIntervalMs: 2000 });
    }
  }

  /** A new target of 1 to 3 brokers (some perhaps unregistered), or a cancel. */
  reassign(): void {
    const ctl = this.c.controller;
    const all = [...ctl.image.topics()].flatMap((t) => t.partitions.map((p) => ({ t, p })));
    if (all.length === 0) return;
    const { t, p } = this.pick(all);
    let replicas: number[] | null = null;
    if (this.rng.int(4) > 0) {
      const shuffled = [...BROKER_IDS];
      for (let i = shuffled.length - 1; i > 0; i--) {
        const j = this.rng.int(i + 1);
        [shuffled[i], shuffled[j]] = [shuffled[j], shuffled[i]];
      }
      replicas = shuffled.slice(0, 1 + this.rng.int(3));
    }
    this.attempt(
      `reassign ${t.name}-${p.partition} to ${JSON.stringify(replicas)}`,
      () => ctl.reassignPartitions([{ topic: t.name, partition: p.partition, replicas }]),
    );
  }

  alterPartition(): void {
    const ctl = this.c.controller;
    const led = [...ctl.image.topics()].flatMap((t) =>
      t.partitions.filter((p) => p.leader !== NO_LEADER).map((p) => ({ t, p }))
    );
    if (led.length === 0) return;
    const { t, p } = this.pick(led);
    const leader = ctl.image.broker(p.leader)!;
    const others = p.replicas.filter((b) => b !== p.leader && this.rng.int(2) === 0);
    const newIsr = this.rng.int(10) === 0 ? others : [p.leader, ...others];
    const staleEpoch = this.rng.int(8) === 0;
    this.attempt(
      `alter ${t.name}-${p.partition} by ${p.leader} to [${newIsr}]`,
      () =>
        ctl.alterPartition({
          brokerId: p.leader,
          incarnationId: leader.incarnationId,
          partitions: [{
            topicId: t.topicId,
            partition: p.partition,
            leaderEpoch: p.leaderEpoch,
            partitionEpoch: staleEpoch ? Math.max(0, p.partitionEpoch - 1) : p.partitionEpoch,
            newIsr,
          }],
        }),
    );
  }

  check(): void {
    checkInvariants(this.c.image, "committed");
    checkInvariants(this.c.controller.image, "speculative");
    for (const t of this.c.image.topics()) {
      for (const p of t.partitions) {
        const key = `${t.topicId}/${p.partition}`;
        const before = this.epochs.get(key);
        if (before !== undefined) {
          check(p.leaderEpoch >= before.leaderEpoch, `${key}: leader epoch went back`);
          check(p.partitionEpoch >= before.partitionEpoch, `${key}: partition epoch went back`);
        }
        this.epochs.set(key, { leaderEpoch: p.leaderEpoch, partitionEpoch: p.partitionEpoch });
      }
    }
    if (this.pending.length === 0) {
      const mine = stateOf(this.c.controller.image);
      const committed = stateOf(this.c.image);
      check(mine === committed, `speculative ${mine} is not committed ${committed}`);
    }
  }
}

describe("active controller model", () => {
  const plan = simSeeds(30);
  it(`keeps leaders, ISRs and epochs valid over random steps (${plan.title})`, async () => {
    const seen = { fenced: 0, leaderless: 0, altered: 0, reassigning: 0 };
    for (const seed of plan.seeds) {
      const trace = new SeedTrace(plan.replaying);
      await runWatchedSeed(seed, { simulation: "controller model", testPath: TEST_PATH }, () => {
        const m = new Model(seed, trace);
        for (let i = 0; i < STEPS; i++) {
          m.step();
          m.check();
          for (const t of m.c.image.topics()) {
            for (const p of t.partitions) {
              if (p.leader === NO_LEADER) seen.leaderless++;
              if (p.isr.length < p.replicas.length) seen.altered++;
              if (p.targetReplicas !== undefined) seen.reassigning++;
            }
          }
          seen.fenced += m.c.image.brokers().filter((b) => b.fenced).length;
        }
        m.flush();
        m.check();
      }, trace);
    }
    // Guards the generator: the interesting states are reached.
    if (!plan.replaying) {
      expect(seen.fenced).toBeGreaterThan(0);
      expect(seen.leaderless).toBeGreaterThan(0);
      expect(seen.altered).toBeGreaterThan(0);
      expect(seen.reassigning).toBeGreaterThan(0);
    }
  });
});
