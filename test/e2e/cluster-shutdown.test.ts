// Controlled shutdown on real `serve` processes (issue 11 §6): SIGTERM of a partition's leader
// while an idempotent acks=all producer sends as fast as it is acknowledged. The leader hands
// its leadership over before it stops: the produces it holds are answered by it (as the
// follower it becomes) once the new leader has them, and a client still sending to it is told
// NOT_LEADER_OR_FOLLOWER while its listeners stay open, so no send fails, no request is lost
// with a dropped connection or times out, and every acknowledged record is in the log once.
// STOPS times in a row per host, the stopped node restarted and back in the ISR before the
// next. Under the hosts of CLUSTER_SHUTDOWN_HOSTS (default node,deno,bun). The stall figures
// are measured by bench/cluster-shutdown.ts, not asserted here.
import { afterEach, describe, expect, it, onTestFailed } from "vitest";
import { Admin, Producer } from "../../src/index.ts";
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

const TOPIC = "shutdown";
const STOPS = 3;
const WAIT_MS_MAX = 30_000;
/** The producer's in-flight requests per partition: at most these were sent before it knew. */
const IN_FLIGHT_MAX = 5;

for (const host of selectedHosts("CLUSTER_SHUTDOWN_HOSTS")) {
  const hosts: HostName[] = [host, host, host];
  describe(`controlled shutdown in a 3-node cluster under ${host}`, () => {
    let cluster: ProcessCluster | null = null;
    afterEach(async () => {
      await cluster?.stopAll();
      cluster = null;
    });

    it(`SIGTERM of the leader ${STOPS} times: no failed send, nothing lost`, async () => {
      cluster = await startProcessCluster({ hosts });
      const c = cluster;
      onTestFailed(() => console.log(c.logTails()));
      await c.waitForActiveBrokers(3);
      const admin = new Admin({ bootstrap: c.bootstrap });
      await admin.createTopic(TOPIC, {
        partitions: 1,
        replicationFactor: 3,
        configs: { "min.insync.replicas": "2" },
      });
      await admin.close();
      const recorder = produceErrorRecorder();
      const producer = new Producer({
        bootstrap: c.bootstrap,
        acks: "all",
        idempotent: true,
        inFlightMax: IN_FLIGHT_MAX,
        connector: recorder.connector,
      });
      const load = new ProduceLoad(producer, { topic: TOPIC });
      load.start();
      const underneath: string[][] = [];
      try {
        for (let i = 0; i < STOPS; i++) {
          const { leader } = await waitForPartition(
            c.bootstrap,
            TOPIC,
            (p) => p.leader > 0 && p.isr.length === 3,
            WAIT_MS_MAX,
          );
          await load.waitForAcked(load.acked.length + 300, WAIT_MS_MAX);
          recorder.errors.length = 0;
          expect(await c.stop(leader)).toBe(0);
          await load.waitForAcked(load.acked.length + 300, WAIT_MS_MAX);
          underneath.push([...recorder.errors]);
          console.log(
            `${host}: stop ${i + 1} of leader ${leader}: produce requests answered with an ` +
              `error underneath: ${recorder.errors.length} ${recorder.errors.join("; ")}`,
          );
          await c.restart(leader);
        }
      } finally {
        await load.stop(60_000);
        await within(30_000, "producer close", producer.close());
      }
      expect(load.failures).toEqual([]);
      // What the producer retried underneath: only requests the old leader refused because it
      // no longer led (sent before the client knew), never one lost or timed out.
      for (const errors of underneath) {
        expect(errors.length).toBeLessThanOrEqual(IN_FLIGHT_MAX);
        for (const e of errors) expect(JSON.parse(e).code).toBe("NOT_LEADER_OR_FOLLOWER");
      }
      const reader = new Admin({ bootstrap: c.bootstrap });
      const end = (await reader.listOffsets(TOPIC, 0, "latest")).offset;
      await reader.close();
      const log = await readPartition(c.bootstrap, TOPIC, end, 60_000);
      expect(log.length).toBe(end);
      expect(duplicates(log)).toEqual([]);
      const inLog = new Set(log);
      expect(load.acked.filter((v) => !inLog.has(v))).toEqual([]);
    }, 180_000);
  });
}
