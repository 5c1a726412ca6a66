// One seed of the whole-cluster simulation: N nodes (broker + controller each) form a cluster,
// an RF 3 topic takes writes from an idempotent acks=all producer, an acks=1 producer and a
// consumer, and a consumer group of 2 or 3 members reads and commits (group-workload.ts), while
// faults play (faults.ts); the invariants (cluster-checker.ts) are checked as it runs. Then
// every fault is healed and the cluster must make progress within a bounded virtual time: an
// acks=all produce to every partition succeeds, a consumer reads it back and the group commits
// past it. Last, the replicas converge and the final leaders and the final coordinator are
// checked against everything acknowledged, read or committed.
import { SimWorld } from "../../../runtime/sim/world.ts";
import type { Runtime } from "../../../runtime/types.ts";
import { Admin } from "../../../src/client/admin.ts";
import { Consumer } from "../../../src/client/consumer.ts";
import { Producer } from "../../../src/client/producer.ts";
import { ClusterChecker, splitTp, tpKey } from "./cluster-checker.ts";
import { FaultPlan } from "./faults.ts";
import { groupOffsets, type GroupStats, noGroupStats, runGroup } from "./group-workload.ts";
import { readReplica } from "./replica-logs.ts";
import { messageOf, nodeName, SimCluster } from "./sim-cluster.ts";
import { runWorkload, type WorkloadStats } from "./workload.ts";

export interface ScenarioOptions {
  seed: number;
  nodeCount: number;
  /** Virtual time the faults play for. */
  faultMs: number;
  /** Log lines kept for a failure report. */
  onLog?: (line: string) => void;
}

export interface ScenarioResult {
  virtualMs: number;
  stats: WorkloadStats;
  group: GroupStats;
  faults: FaultPlan["stats"];
  checks: ClusterChecker["checks"];
  /** What the faults made happen (docs/cluster-simulation.md, "Reordering and duplication"). */
  effects: FaultEffects;
  violations: string[];
}

export interface FaultEffects {
  /** Chunks overtaken across connections between the same two nodes. */
  reordered: number;
  /** Idempotent batches the brokers recognised as retries and answered without appending. */
  duplicateBatches: number;
  /** Connection directions that stalled behind a one-way cut, and handshakes it hung. */
  stalls: number;
  hungConnects: number;
  /** Writes and syncs a slow disk delayed. */
  slowDiskOps: number;
}

const TOPIC = "t";
const PARTITIONS = 3;
const FORM_MS_MAX = 30_000;
const SAMPLE_MS = 100;
const COMPARE_EVERY_SAMPLES = 10;
/** After healing: every node back up, then progress, then replicas converged. */
const UP_MS_MAX = 60_000;
const LIVENESS_MS_MAX = 30_000;
const CONVERGE_MS_MAX = 30_000;
const RECOVERY_CUT = /log\.truncated recovery truncated (t-\d+) at offset (\d+)/;
export const SCENARIO_BOUNDS = { maxSteps: 50_000_000, maxVirtualMs: 600_000 };

export async function runScenario(options: ScenarioOptions): Promise<ScenarioResult> {
  const world = new SimWorld({ seed: options.seed });
  const onLog = options.onLog ?? (() => {});
  const checker = new ClusterChecker();
  const log = (line: string) => {
    // A restart that cut a torn or unsynced tail lost what only acks=1 had promised: the
    // checker stops holding those offsets to the values seen before (acks=all ones it keeps).
    const cut = RECOVERY_CUT.exec(line);
    if (cut !== null) checker.lostUnsynced(cut[1], Number(cut[2]));
    onLog(line);
  };
  const random = world.random;
  const cluster = new SimCluster(world, {
    nodeCount: options.nodeCount,
    minInsyncReplicas: 1 + random.int(2),
    replicaLagTimeMaxMs: 2_000 + random.int(8_000),
    log,
  });
  cluster.onUp = (id, node) => checker.watchMetadata(id, node);
  const groupMembers = 2 + random.int(2);
  const groupStats = noGroupStats();
  const stats: WorkloadStats = { sent: 0, ackedAll: 0, acked1: 0, failed: 0, consumed: 0 };
  const driver = world.runtime("sim-driver");
  const faults = new FaultPlan(cluster, driver, (line) => {
    world.record(line);
    log(`${driver.clock.nowMs()} ${line}`);
  });
  const partitions = Array.from({ length: PARTITIONS }, (_, p) => tpKey(TOPIC, p));
  const fsOf = (id: number) => world.node(nodeName(id)).fs;
  const startMs = driver.clock.monotonicMs();
  await world.run(async () => {
    await cluster.startAll();
    const client = world.runtime("client");
    await createTopic(client, cluster.bootstrap);
    let stopped = false;
    let sampling = true;
    const sampler = (async () => {
      for (let i = 0; sampling && i < 1_000_000; i++) {
        checker.sample(cluster.up(), partitions);
        if (i % COMPARE_EVERY_SAMPLES === 0) {
          await checker.compareReplicas(cluster.up(), fsOf, partitions);
        }
        await driver.timers.sleep(SAMPLE_MS);
      }
    })();
    const workload = runWorkload(client, {
      bootstrap: cluster.bootstrap,
      topic: TOPIC,
      partitions: PARTITIONS,
      producers: [
        { name: "idem", acks: "all", idempotent: true },
        { name: "all", acks: "all", idempotent: false },
        { name: "one", acks: 1, idempotent: false },
      ],
      checker,
      stats,
      stopped: () => stopped,
    });
    const group = runGroup(world.runtime("group"), {
      bootstrap: cluster.bootstrap,
      topic: TOPIC,
      members: groupMembers,
      checker,
      stats: groupStats,
      stopped: () => stopped,
      log: (line) => log(`${driver.clock.nowMs()} ${line}`),
    });
    const faultsDone = faults.run(() => driver.clock.monotonicMs() - startMs > options.faultMs);
    await faultsDone;
    faults.heal();
    await cluster.whenAllUp(UP_MS_MAX);
    await checkLiveness(world.runtime("liveness"), cluster.bootstrap, checker);
    stopped = true;
    await workload;
    await group;
    await converge(cluster, driver);
    sampling = false;
    await sampler;
    checker.sample(cluster.up(), partitions);
    await checker.compareReplicas(cluster.up(), fsOf, partitions);
    const finalGroup = await groupOffsets(world.runtime("liveness"), cluster.bootstrap, TOPIC);
    checker.checkGroupFinal(
      finalGroup && new Map([...finalGroup].map(([p, offset]) => [tpKey(TOPIC, p), offset])),
      (tp) => finalHighWatermark(cluster, tp),
    );
    await checker.checkFinal((tp) => finalLeaderLog(cluster, tp));
  }, SCENARIO_BOUNDS);
  return {
    virtualMs: driver.clock.monotonicMs() - startMs,
    stats,
    group: groupStats,
    faults: faults.stats,
    checks: checker.checks,
    effects: {
      reordered: world.net.reordered,
      duplicateBatches: cluster.duplicateBatches(),
      stalls: world.net.stalls,
      hungConnects: world.net.hungConnects,
      slowDiskOps: cluster.ids.reduce((n, id) => n + fsOf(id).slowOps, 0),
    },
    violations: checker.violations,
  };
}

async function createTopic(rt: Runtime, bootstrap: string): Promise<void> {
  const admin = new Admin(rt, { bootstrap });
  try {
    for (let i = 0; i < FORM_MS_MAX / 100; i++) {
      const md = await admin.describeCluster();
      if (md.brokers.length > 0) break;
      await rt.timers.sleep(100);
    }
    await admin.createTopic(TOPIC, { partitions: PARTITIONS, replicationFactor: 3 });
  } finally {
    await admin.close();
  }
}

/** After healing: an acks=all write to every partition is acknowledged and read back. */
async function checkLiveness(rt: Runtime, bootstrap: string, checker: ClusterChecker) {
  const deadline = rt.clock.monotonicMs() + LIVENESS_MS_MAX;
  const producer = new Producer(rt, {
    bootstrap,
    clientId: "liveness",
    acks: "all",
    deliveryTimeoutMs: LIVENESS_MS_MAX,
  });
  const written = await Promise.all(
    Array.from({ length: PARTITIONS }, async (_, partition) => {
      const value = `live-${partition}`;
      const md = await producer.send({ topic: TOPIC, partition, value }).catch((err) => {
        throw new Error(`no progress after healing: ${TOPIC}-${partition}: ${messageOf(err)}`);
      });
      checker.acked(tpKey(TOPIC, partition), md.offset, value, true);
      return { partition, offset: md.offset, value };
    }),
  );
  await producer.close();
  await readBack(rt, bootstrap, written, deadline);
  await groupMovesOn(rt, bootstrap, written, checker, deadline);
}

/** The liveness writes are read back by a consumer of their partitions. */
async function readBack(
  rt: Runtime,
  bootstrap: string,
  written: ReadonlyArray<{ partition: number; offset: number }>,
  deadline: number,
): Promise<void> {
  const consumer = new Consumer(rt, { bootstrap, clientId: "liveness-reader" });
  try {
    const wanted = new Map(written.map((w) => [w.partition, w]));
    consumer.assign(written.map((w) => ({ topic: TOPIC, partition: w.partition })));
    for (const w of written) consumer.seek({ topic: TOPIC, partition: w.partition }, w.offset);
    while (wanted.size > 0) {
      const leftMs = deadline - rt.clock.monotonicMs();
      if (leftMs <= 0) {
        throw new Error(`no progress after healing: partitions ${[...wanted.keys()]} not read`);
      }
      const records = await consumer.poll({ timeoutMs: Math.min(leftMs, 1_000) }).catch(() => []);
      for (const r of records) {
        const w = wanted.get(r.partition);
        if (w !== undefined && r.offset === w.offset) wanted.delete(r.partition);
      }
    }
  } finally {
    await consumer.close();
  }
}

/** The group reads the liveness writes and commits past them. */
async function groupMovesOn(
  rt: Runtime,
  bootstrap: string,
  written: ReadonlyArray<{ partition: number; offset: number }>,
  checker: ClusterChecker,
  deadline: number,
): Promise<void> {
  const behind = new Set(written.map((w) => w.partition));
  while (behind.size > 0) {
    if (rt.clock.monotonicMs() > deadline) {
      throw new Error(`no progress after healing: the group did not commit past ${[...behind]}`);
    }
    const committed = await groupOffsets(rt, bootstrap, TOPIC);
    for (const w of written) {
      const offset = committed?.get(w.partition);
      if (offset === undefined) continue;
      checker.groupCommitted(tpKey(TOPIC, w.partition), offset, "liveness");
      if (offset > w.offset) behind.delete(w.partition);
    }
    if (behind.size > 0) await rt.timers.sleep(200);
  }
}

/** Waits until every replica of every partition reports the leader's high watermark. */
async function converge(cluster: SimCluster, rt: Runtime): Promise<void> {
  const deadline = rt.clock.monotonicMs() + CONVERGE_MS_MAX;
  for (;;) {
    const lagging: string[] = [];
    for (let partition = 0; partition < PARTITIONS; partition++) {
      const hws = cluster.up().map(([id, node]) => [
        id,
        node.broker.partitionOffsets(TOPIC, partition)?.highWatermark ?? -1,
      ]);
      const top = Math.max(...hws.map(([, hw]) => hw));
      const hosts = replicasOf(cluster, partition);
      for (const [id, hw] of hws) {
        if (hosts.includes(id) && hw !== top) lagging.push(describeReplica(cluster, id, partition));
      }
    }
    if (lagging.length === 0) return;
    if (rt.clock.monotonicMs() > deadline) {
      throw new Error(`replicas did not converge in ${CONVERGE_MS_MAX} ms: ${lagging.join("; ")}`);
    }
    await rt.timers.sleep(100);
  }
}

/** What a lagging replica looks like, for the failure report. */
function describeReplica(cluster: SimCluster, id: number, partition: number): string {
  const node = cluster.running(id)!;
  const image = node.membership.committed.image.topic(TOPIC);
  const p = image?.partitions[partition];
  const key = { topic: TOPIC, topicId: image?.topicId ?? "", partition };
  const hw = node.broker.partitionOffsets(TOPIC, partition)?.highWatermark;
  return `n${id} ${TOPIC}-${partition} hw ${hw} role ${node.replicas.roleOf(key)} ` +
    `(image: leader ${p?.leader} epoch ${p?.leaderEpoch} isr ${p?.isr})`;
}

function replicasOf(cluster: SimCluster, partition: number): number[] {
  const [, node] = cluster.up()[0];
  const p = node.membership.committed.image.topic(TOPIC)?.partitions[partition];
  return p === undefined ? [] : [...p.replicas];
}

/** The final leader's high watermark of tp. */
function finalHighWatermark(cluster: SimCluster, tp: string): number | undefined {
  const [topic, partition] = splitTp(tp);
  const [, any] = cluster.up()[0];
  const leader = any.membership.committed.image.topic(topic)?.partitions[partition]?.leader;
  const node = leader === undefined ? null : cluster.running(leader);
  return node?.broker.partitionOffsets(topic, partition)?.highWatermark;
}

/** The final leader's log below its high watermark, as offset -> value. */
async function finalLeaderLog(
  cluster: SimCluster,
  tp: string,
): Promise<Map<number, string> | null> {
  const [topic, partition] = splitTp(tp);
  const [, any] = cluster.up()[0];
  const leader = any.membership.committed.image.topic(topic)?.partitions[partition]?.leader;
  const node = leader === undefined ? null : cluster.running(leader);
  const hw = node?.broker.partitionOffsets(topic, partition)?.highWatermark;
  if (node === null || node === undefined || hw === undefined) return null;
  const records = await readReplica(cluster.world.node(nodeName(leader!)).fs, `/data/${tp}`, hw);
  return new Map(records.map((r) => [r.offset, r.value]));
}
