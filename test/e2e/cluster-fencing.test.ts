// Issue 11 §5/§6 on real `serve` processes: a partition leader that stops heartbeating (SIGSTOP,
// or cut from the controller quorum by fault proxies while its data traffic flows) is fenced, its
// leadership moves, and it cannot acknowledge an acks=all produce sent straight to it; a leader
// stopped with SIGTERM hands its partitions over first, so producing through it sees no failed
// request. Under the hosts of CLUSTER_FENCE_HOSTS (default node,deno,bun).
import { afterEach, describe, expect, it, onTestFailed } from "vitest";
import { Admin, Producer } from "../../src/index.ts";
import type { PartitionDescription } from "../../src/model/descriptions.ts";
import { createNodeRuntime } from "../../runtime/node/mod.ts";
import { encodeBatch } from "../../src/log/record-batch.ts";
import { ProtocolClient } from "../../src/protocol/cbor/client.ts";
import { VERSION } from "../../src/version.ts";
import { FaultProxy } from "../support/fault-proxy.ts";
import { type HostName, selectedHosts } from "./broker-process.ts";
import { type ProcessCluster, startProcessCluster } from "./cluster-process.ts";
import {
  duplicates,
  produceErrorRecorder,
  ProduceLoad,
  readPartition,
  waitForPartition,
  within,
} from "./cluster-load.ts";

const TOPIC = "fenced";
const WAIT_MS_MAX = 30_000;
/** broker.session.timeout.ms: a broker without a heartbeat this long is fenced. */
const SESSION_TIMEOUT_MS = 1_500;
/** Fencing, then the move committed and seen by a broker; an election first if it led Raft. */
const MOVE_MS_MAX = SESSION_TIMEOUT_MS + 3_500;

async function createTopic(c: ProcessCluster): Promise<PartitionDescription> {
  await c.waitForActiveBrokers(3);
  const admin = new Admin({ bootstrap: c.bootstrap });
  await admin.createTopic(TOPIC, {
    partitions: 1,
    replicationFactor: 3,
    configs: { "min.insync.replicas": "2" },
  });
  await admin.close();
  return await waitForPartition(c.bootstrap, TOPIC, (p) => p.isr.length === 3, WAIT_MS_MAX);
}

function newProducer(
  c: ProcessCluster,
  connector?: ReturnType<typeof produceErrorRecorder>,
  bootstrap = c.bootstrap,
) {
  return new Producer({
    bootstrap,
    acks: "all",
    idempotent: true,
    lingerMs: 2,
    requestTimeoutMs: 3_000,
    retryBackoffMs: 50,
    retryBackoffMsMax: 250,
    // A stopped leader holds a produce for requestTimeoutMs + produceTimeoutMs before the
    // producer retries elsewhere (Kafka's request.timeout.ms): keep that short here.
    produceTimeoutMs: 2_000,
    connector: connector?.connector,
  });
}

/** Everything other nodes than `nodeId` are reached at, as a bootstrap list. */
function othersOf(c: ProcessCluster, nodeId: number): string {
  return c.nodes.filter((n) => n.nodeId !== nodeId).map((n) => `127.0.0.1:${n.port}`).join(",");
}

/**
 * One acks=all Produce over the CBOR protocol to one node only (no metadata, no redirect, no
 * retry): the partition's answer, or the request's failure, as a string; "ok" when acknowledged.
 */
async function produceTo(c: ProcessCluster, nodeId: number, value: string): Promise<string> {
  const client = await ProtocolClient.connect(createNodeRuntime(), {
    host: "127.0.0.1",
    port: c.node(nodeId).port,
    clientVersion: VERSION,
    requestTimeoutMs: 3_000,
  });
  try {
    const r = await client.request("Produce", {
      acks: -1,
      timeoutMs: 3_000,
      partitions: [{
        topic: TOPIC,
        partition: 0,
        records: encodeBatch({
          records: [{ key: null, value: new TextEncoder().encode(value), timestamp: Date.now() }],
        }),
      }],
    });
    const error = r.partitions[0]?.error;
    return error ? `${error.code}: ${error.message}` : "ok";
  } catch (err) {
    return String(err);
  } finally {
    await client.close();
  }
}

/** Every acknowledged value is in the log once; nothing is there twice. */
async function expectLogHolds(c: ProcessCluster, load: ProduceLoad): Promise<string[]> {
  const admin = new Admin({ bootstrap: c.bootstrap });
  const end = (await admin.listOffsets(TOPIC, 0, "latest")).offset;
  await admin.close();
  const log = await readPartition(c.bootstrap, TOPIC, end, 60_000);
  expect(log.length).toBe(end);
  expect(duplicates(log)).toEqual([]);
  const inLog = new Set(log);
  expect(load.acked.filter((v) => !inLog.has(v))).toEqual([]);
  return log;
}

for (const host of selectedHosts("CLUSTER_FENCE_HOSTS")) {
  const hosts: HostName[] = [host, host, host];
  describe(`fencing in a 3-node cluster under ${host}`, () => {
    let cluster: ProcessCluster | null = null;
    const proxies: FaultProxy[] = [];
    afterEach(async () => {
      await cluster?.stopAll();
      cluster = null;
      await Promise.all(proxies.splice(0).map((p) => p.close()));
    });

    it(
      "moves leadership off a SIGSTOPped leader, which then cannot acknowledge acks=all",
      async () => {
        cluster = await startProcessCluster({ hosts });
        const c = cluster;
        const { leader } = await createTopic(c);
        const recorder = produceErrorRecorder();
        onTestFailed(() =>
          console.log(`${c.logTails()}\nproduce errors: ${recorder.errors.slice(0, 10).join("\n")}`)
        );
        const producer = newProducer(c, recorder);
        const load = new ProduceLoad(producer, { topic: TOPIC });
        load.start();
        try {
          await load.waitForAcked(300, WAIT_MS_MAX);
          const stoppedAt = Date.now();
          c.signal(leader, "SIGSTOP");
          const moved = await waitForPartition(
            othersOf(c, leader),
            TOPIC,
            (p) => p.leader !== leader && p.leader > 0 && !p.isr.includes(leader),
            WAIT_MS_MAX,
          );
          const moveMs = Date.now() - stoppedAt;
          const ackedAtMove = load.acked.length;
          await load.waitForAcked(ackedAtMove + 300, WAIT_MS_MAX);
          c.signal(leader, "SIGCONT");
          const direct = await produceTo(c, leader, "from-the-fenced-leader");
          console.log(
            `${host}: leader ${leader} stopped; ${moved.leader} leads (isr ${moved.isr}) after ` +
              `${moveMs} ms; direct produce to ${leader} after SIGCONT: ${direct}`,
          );
          expect(moveMs).toBeLessThan(MOVE_MS_MAX);
          expect(direct).not.toBe("ok");
          // It rejoins as a follower.
          await waitForPartition(c.bootstrap, TOPIC, (p) => p.isr.length === 3, WAIT_MS_MAX);
        } finally {
          c.signal(leader, "SIGCONT");
          await load.stop(60_000);
          await within(30_000, "producer close", producer.close());
        }
        expect(load.failures).toEqual([]);
        const log = await expectLogHolds(c, load);
        expect(log).not.toContain("from-the-fenced-leader");
      },
      120_000,
    );

    it("a SIGSTOPped active controller is replaced; the other brokers stay unfenced", async () => {
      cluster = await startProcessCluster({ hosts });
      const c = cluster;
      await createTopic(c);
      const stopped = (await c.describe()).controllerId;
      expect(stopped).not.toBeNull();
      const others = othersOf(c, stopped ?? 0);
      const live = c.nodes.map((n) => n.nodeId).filter((id) => id !== stopped);
      const producer = newProducer(c, undefined, others);
      const load = new ProduceLoad(producer, { topic: TOPIC });
      load.start();
      onTestFailed(() => console.log(c.logTails()));
      const fencedSeen = new Set<number>();
      try {
        await load.waitForAcked(300, WAIT_MS_MAX);
        c.signal(stopped ?? 0, "SIGSTOP");
        // Watched from a live node until well past the session timeout: the new controller
        // must hear the live brokers' heartbeats in time, or it fences them.
        const until = Date.now() + 4 * SESSION_TIMEOUT_MS;
        let replaced = false;
        while (Date.now() < until) {
          const res = await fetch(`http://127.0.0.1:${c.node(live[0]).httpPort}/v1/cluster`, {
            signal: AbortSignal.timeout(2_000),
          });
          const view = (await res.json()) as {
            controllerId: number | null;
            brokers: Array<{ id: number; state: string }>;
          };
          if (view.controllerId !== null && view.controllerId !== stopped) replaced = true;
          for (const b of view.brokers) {
            if (live.includes(b.id) && b.state !== "running") fencedSeen.add(b.id);
          }
          await new Promise((r) => setTimeout(r, 100));
        }
        expect(replaced).toBe(true);
        expect([...fencedSeen], `stopped ${stopped}, live ${live} seen not active`).toEqual([]);
        await load.waitForAcked(load.acked.length + 300, WAIT_MS_MAX);
      } finally {
        c.signal(stopped ?? 0, "SIGCONT");
        await load.stop(60_000);
        await within(30_000, "producer close", producer.close());
      }
      expect(load.failures).toEqual([]);
      await expectLogHolds(c, load);
    }, 120_000);

    it(
      "fences a leader cut from the controller quorum; it cannot acknowledge acks=all",
      async () => {
        // Every node reaches every other's controller listener through its own proxy, so one
        // node's controller traffic can be cut both ways while the brokers' replication (on the
        // broker ports) is left alone.
        const links = new Map<string, FaultProxy>();
        cluster = await startProcessCluster({
          hosts,
          quorumPort: async (fromId, to) => {
            const proxy = await FaultProxy.start({
              target: { host: "127.0.0.1", port: to.controllerPort },
            });
            proxies.push(proxy);
            links.set(`${fromId}->${to.nodeId}`, proxy);
            return proxy.port;
          },
        });
        const c = cluster;
        const { leader } = await createTopic(c);
        const recorder = produceErrorRecorder();
        onTestFailed(() =>
          console.log(`${c.logTails()}\nproduce errors: ${recorder.errors.slice(0, 10).join("\n")}`)
        );
        // Not bootstrapped from the node to be cut off: once cut, its metadata is stale (it still
        // names itself leader) and a client that asks only it would keep sending to it.
        const producer = newProducer(c, recorder, othersOf(c, leader));
        const load = new ProduceLoad(producer, { topic: TOPIC });
        load.start();
        const isolated = [...links].filter(([k]) =>
          k.startsWith(`${leader}->`) || k.endsWith(`->${leader}`)
        ).map(([, p]) => p);
        try {
          await load.waitForAcked(300, WAIT_MS_MAX);
          const cutAt = Date.now();
          for (const p of isolated) p.cut();
          const moved = await waitForPartition(
            othersOf(c, leader),
            TOPIC,
            (p) => p.leader !== leader && p.leader > 0 && !p.isr.includes(leader),
            WAIT_MS_MAX,
          );
          const moveMs = Date.now() - cutAt;
          await load.waitForAcked(load.acked.length + 300, WAIT_MS_MAX);
          // Still cut off: it has not heard that it was fenced.
          const direct = await produceTo(c, leader, "from-the-cut-off-leader");
          console.log(
            `${host}: leader ${leader} cut from the quorum; ${moved.leader} leads after ${moveMs} ` +
              `ms; direct produce to ${leader}: ${direct}`,
          );
          expect(moveMs).toBeLessThan(MOVE_MS_MAX);
          expect(direct).not.toBe("ok");
          for (const p of isolated) await p.heal();
          await waitForPartition(c.bootstrap, TOPIC, (p) => p.isr.length === 3, WAIT_MS_MAX);
        } finally {
          for (const p of isolated) await p.heal();
          await load.stop(60_000);
          await within(30_000, "producer close", producer.close());
        }
        expect(load.failures).toEqual([]);
        const log = await expectLogHolds(c, load);
        expect(log).not.toContain("from-the-cut-off-leader");
      },
      120_000,
    );

    it("hands leadership over on SIGTERM: no failed send, a short stall", async () => {
      cluster = await startProcessCluster({ hosts });
      const c = cluster;
      onTestFailed(() => console.log(c.logTails()));
      const { leader } = await createTopic(c);
      const recorder = produceErrorRecorder();
      const producer = newProducer(c, recorder);
      const load = new ProduceLoad(producer, { topic: TOPIC });
      load.start();
      let stallMs = 0;
      try {
        await load.waitForAcked(300, WAIT_MS_MAX);
        load.gapMsMax = 0;
        recorder.errors.length = 0;
        const stoppedAt = Date.now();
        expect(await c.stop(leader)).toBe(0);
        const stopMs = Date.now() - stoppedAt;
        await load.waitForAcked(load.acked.length + 300, WAIT_MS_MAX);
        stallMs = load.gapMsMax;
        console.log(
          `${host}: leader ${leader} stopped with SIGTERM in ${stopMs} ms; longest gap between ` +
            `acknowledgements ${stallMs} ms; failed produce requests: ${recorder.errors.length} ${
              recorder.errors.slice(0, 3).join("; ")
            }`,
        );
      } finally {
        await load.stop(60_000);
        await within(30_000, "producer close", producer.close());
      }
      // The client sees no error. Underneath, the requests the old leader held in its purgatory
      // when leadership moved are answered NOT_LEADER_OR_FOLLOWER (as in Kafka), refused as it
      // shuts down, or lost with the connection it closes on exit, and retried at the new
      // leader: at most the producer's in-flight window, nothing else.
      expect(load.failures).toEqual([]);
      expect(recorder.errors.length).toBeLessThanOrEqual(5);
      for (const e of recorder.errors) {
        expect(["NOT_LEADER_OR_FOLLOWER", "NETWORK_EXCEPTION", "BROKER_SHUTTING_DOWN"]).toContain(
          JSON.parse(e).code,
        );
      }
      // Faster than a failover after a crash, which waits out the session timeout.
      expect(stallMs).toBeLessThan(SESSION_TIMEOUT_MS);
      await expectLogHolds(c, load);
    }, 120_000);
  });
}
