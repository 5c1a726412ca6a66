// Seeded runs of offset commits while `__consumer_offsets-p` leadership moves at random between
// three coordinators (fake-leadership.ts over one real broker log): moves told at once or late,
// new leaders whose HW lags behind, commits in flight across a move. Checked after every step:
// an acknowledged commit is never lost (whoever coordinates next reads at least it), committed
// offsets never go backwards, and only the current leader answers.
//
//   SIM_SEEDS=n, SIM_SEED=n (replays one seed with its trace), SIM_SEED_BASE=n
import { describe, expect, it } from "vitest";
import { createNodeRuntime } from "../../runtime/node/mod.ts";
import { SeededRandom } from "../../runtime/sim/prng.ts";
import { Broker } from "../../src/broker/broker.ts";
import { GroupService } from "../../src/coordinator/group-service.ts";
import { offsetsPartitionFor } from "../../src/coordinator/offsets-partition.ts";
import { CONSUMER_OFFSETS_TOPIC } from "../../src/coordinator/offsets-topic.ts";
import { isErrorCode, TributaryError } from "../../src/model/errors.ts";
import { runWatchedSeed, SeedTrace, simSeeds } from "../support/sim-seeds.ts";
import { FakeLeadership, type FakeNode } from "./fake-leadership.ts";

const PARTITIONS = 2;
const GROUP = "g";
const P = offsetsPartitionFor(GROUP, PARTITIONS);
const STEPS = 30;
const SETTLE_MS_MAX = 5_000;
const TEST_PATH = "test/coordinator/leadership-seeds.test.ts";
const plan = simSeeds(12);

/** The answer a commit may get from a coordinator that is not (or no longer) the leader. */
const NOT_HERE = new Set(["NOT_COORDINATOR", "COORDINATOR_LOAD_IN_PROGRESS"]);

async function runSeed(seed: number, trace: SeedTrace): Promise<void> {
  const rt = createNodeRuntime();
  const random = new SeededRandom(seed);
  const dataDir = await rt.fs.makeTempDir("tributary-coordinator-seeds-");
  const broker = await Broker.open(rt, { nodeId: 1, dataDir, host: "127.0.0.1", port: 0 });
  const services: GroupService[] = [];
  try {
    await broker.createTopic({ name: "t", partitions: 1 });
    const cluster = new FakeLeadership(broker);
    const nodes: FakeNode[] = [1, 2, 3].map((id) => cluster.node(id));
    for (const node of nodes) {
      services.push(
        await GroupService.start(rt, node, {
          offsetsTopicPartitions: PARTITIONS,
          report: (what, err) => trace.line(`report ${what}: ${String(err)}`),
        }),
      );
    }
    let next = 0;
    let acked = 0;
    let told = true;
    /** The leader as of the last move every node was told of. */
    let believed = 1;
    const attempted = new Set<number>([0]);
    const commit = (s: GroupService, offset: number) => {
      attempted.add(offset);
      return s.commitOffsets({
        groupId: GROUP,
        memberId: "",
        memberEpoch: -1,
        offsets: [{ topic: "t", partition: 0, offset }],
      });
    };
    const codeOf = (err: unknown) =>
      err instanceof TributaryError && isErrorCode(err.code) ? err.code : String(err);
    const leaderService = () => services[cluster.leadership(P).leader - 1];

    /** The leader, once told and loaded, reads at least every acknowledged commit. */
    const check = async () => {
      if (!told) return;
      const s = leaderService();
      const deadline = rt.clock.monotonicMs() + SETTLE_MS_MAX;
      while (s.partitionStates()[P] !== "ready") {
        if (rt.clock.monotonicMs() > deadline) {
          throw new Error(`leader not ready within ${SETTLE_MS_MAX} ms: ${s.partitionStates()}`);
        }
        await rt.timers.sleep(2);
      }
      const got = (await s.fetchOffsets({ groupId: GROUP }))[0]?.offset ?? 0;
      trace.line(`check: leader ${cluster.leadership(P).leader} reads ${got}, acked ${acked}`);
      expect(got).toBeGreaterThanOrEqual(acked);
      expect(attempted.has(got)).toBe(true);
      acked = got; // a commit answered with an error may still have landed: it counts from now
      for (const [i, other] of services.entries()) {
        if (i === cluster.leadership(P).leader - 1) continue;
        expect(other.partitionStates()[P]).toBe("idle");
      }
    };

    for (let step = 0; step < STEPS; step++) {
      const roll = random.int(10);
      if (roll < 4) {
        // Untold, the previous leader still thinks it coordinates: it must be refused.
        const s = told ? leaderService() : services[believed - 1];
        const offset = ++next;
        try {
          await commit(s, offset);
          trace.line(`commit ${offset}: ok`);
          // A coordinator not told of the last move has been deposed (or is in an old epoch).
          expect(told).toBe(true);
          acked = offset;
        } catch (err) {
          trace.line(`commit ${offset}: ${codeOf(err)}`);
          if (!NOT_HERE.has(codeOf(err))) throw err;
          expect(told).toBe(false); // refused only by a coordinator that missed a move
        }
      } else if (roll < 8) {
        const to = 1 + random.int(3);
        const tell = random.chance(0.7);
        const lagging = random.chance(0.5);
        if (lagging) {
          // The new leader learnt the HW only up to some earlier point.
          const hw = broker.partitionOffsets(CONSUMER_OFFSETS_TOPIC, P)!.highWatermark;
          nodes[to - 1].hwCap.set(P, Math.max(0, hw - random.int(4)));
        }
        const now = cluster.move(P, to, { tell });
        told = tell;
        if (tell) believed = to;
        trace.line(`move to ${to} epoch ${now.leaderEpoch} told ${tell} lagging ${lagging}`);
      } else if (roll < 9 && !told) {
        cluster.tell(P);
        told = true;
        believed = cluster.leadership(P).leader;
        trace.line("tell");
      } else {
        // A commit in flight while leadership moves: its answer must not be success.
        const from = cluster.leadership(P).leader;
        const node = nodes[from - 1];
        if (!told || services[from - 1].partitionStates()[P] !== "ready") continue;
        const held = node.holdAppends();
        const offset = ++next;
        const inFlight = commit(services[from - 1], offset).then(() => "ok", codeOf);
        await held.reached;
        const to = 1 + ((from + random.int(2)) % 3);
        cluster.move(P, to);
        believed = to;
        held.release();
        const answer = await inFlight;
        trace.line(`commit ${offset} in flight across a move ${from} -> ${to}: ${answer}`);
        expect(answer).toBe("NOT_COORDINATOR");
      }
      await check();
    }
    if (!told) cluster.tell(P);
    told = true;
    await check();
  } finally {
    for (const s of services) await s.close();
    await broker.close();
    await rt.fs.remove(dataDir, { recursive: true });
  }
}

describe("commits while coordinator leadership moves", () => {
  it(`never lose an acknowledged commit (${plan.title})`, async () => {
    for (const seed of plan.seeds) {
      const trace = new SeedTrace(plan.replaying);
      await runWatchedSeed(
        seed,
        { simulation: "coordinator leadership", testPath: TEST_PATH },
        () => runSeed(seed, trace),
        trace,
      );
    }
  }, 120_000);
});
