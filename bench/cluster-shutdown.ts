// Controlled shutdown under load (issue 11 §6): three `tributary serve` nodes, one RF 3
// partition (min.insync.replicas 2), an idempotent acks=all producer sending as fast as it is
// acknowledged (a window of WINDOW sends), and STOPS times a SIGTERM of the partition's leader,
// which is restarted and back in the ISR before the next. Per stop: the stall (the longest gap
// between two acknowledgements from the SIGTERM until 300 more are acknowledged), the produce
// requests answered with an error or lost underneath (retried by the producer), and the sends
// that failed for the application. At the end every acknowledged value is read back.
//
//   npm run build && node dist/bench/cluster-shutdown.js [stops] [node|deno|bun]
//
// Defaults: 10 stops, node. Prints a JSON summary last.

import { loadavg } from "node:os";
import { createNodeRuntime } from "../runtime/node/mod.ts";
import { Admin } from "../src/client/admin.ts";
import type { Connector } from "../src/client/cluster.ts";
import { Consumer } from "../src/client/consumer.ts";
import { Producer } from "../src/client/producer.ts";
import { ProtocolClient } from "../src/protocol/cbor/client.ts";
import { VERSION } from "../src/version.ts";
import {
  newCluster,
  quantile,
  removeCluster,
  startNode,
  stopNode,
  WAIT_MS_MAX,
  waitFor,
  waitForBrokers,
} from "./cluster-nodes.ts";
import { killAll } from "./proc.ts";
import { type Host, HOSTS } from "./tributary.ts";

const STOPS = Number(process.argv[2] ?? 10);
const HOST = (process.argv[3] ?? "node") as Host;
const TOPIC = "shutdown";
const WINDOW = 200;
const ACKS_AFTER_STOP = 300;
const rt = createNodeRuntime();

/** Counts Produce requests that came back with an error or threw: what retries hide. */
function countingConnector(errors: string[]): Connector {
  return async (runtime, address, options) => {
    const conn = await ProtocolClient.connect(runtime, {
      ...address,
      ...options,
      clientVersion: VERSION,
    });
    const request: typeof conn.request = async (op, body) => {
      try {
        const response = await conn.request(op, body);
        if (op === "Produce") {
          const parts = (response as { partitions: { error?: { code?: string } | null }[] })
            .partitions;
          for (const p of parts) if (p.error) errors.push(p.error.code ?? "?");
        }
        return response;
      } catch (err) {
        if (op === "Produce") errors.push(String((err as { code?: unknown }).code ?? "THROWN"));
        throw err;
      }
    };
    return {
      request,
      send: (op, body) => conn.send(op, body),
      close: () => conn.close(),
      closed: conn.closed,
    };
  };
}

/** A send loop keeping WINDOW sends in flight; remembers acknowledgements and their gaps. */
class Load {
  readonly acked: string[] = [];
  readonly failed: string[] = [];
  gapMsMax = 0;
  #lastAckMs = performance.now();
  #pending = new Set<Promise<void>>();
  #stopping = false;
  #loop: Promise<void> | null = null;
  #sent = 0;
  readonly #producer: Producer;

  constructor(producer: Producer) {
    this.#producer = producer;
  }

  start(): void {
    this.#loop = this.#run();
  }

  resetGap(): void {
    this.gapMsMax = 0;
    this.#lastAckMs = performance.now();
  }

  async #run(): Promise<void> {
    while (!this.#stopping) {
      if (this.#pending.size >= WINDOW) {
        await Promise.race(this.#pending);
        continue;
      }
      const value = `v-${this.#sent++}`;
      const send = this.#producer.send({ topic: TOPIC, partition: 0, value }).then(
        () => {
          const now = performance.now();
          this.gapMsMax = Math.max(this.gapMsMax, now - this.#lastAckMs);
          this.#lastAckMs = now;
          this.acked.push(value);
        },
        (err: unknown) => void this.failed.push(String(err)),
      );
      const tracked = send.finally(() => this.#pending.delete(tracked));
      this.#pending.add(tracked);
      if (this.#sent % 50 === 0) await new Promise((r) => setImmediate(r));
    }
  }

  async waitForAcked(count: number): Promise<void> {
    const deadline = Date.now() + WAIT_MS_MAX;
    while (this.acked.length < count) {
      if (Date.now() > deadline) throw new Error(`${count} not acknowledged: ${this.failed[0]}`);
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  async stop(): Promise<void> {
    this.#stopping = true;
    await this.#loop;
    await Promise.all(this.#pending);
  }
}

async function readBack(bootstrap: string, endOffset: number): Promise<Set<string>> {
  const consumer = new Consumer(rt, { bootstrap, autoOffsetReset: "earliest" });
  consumer.assign([{ topic: TOPIC, partition: 0 }]);
  const values = new Set<string>();
  const deadline = Date.now() + WAIT_MS_MAX;
  try {
    let next = 0;
    while (next < endOffset && Date.now() < deadline) {
      for (const r of await consumer.poll({ timeoutMs: 500 })) {
        values.add(new TextDecoder().decode(r.value ?? undefined));
        next = r.offset + 1;
      }
    }
  } finally {
    await consumer.close();
  }
  return values;
}

async function main(): Promise<void> {
  if (!(HOSTS as readonly string[]).includes(HOST)) throw new Error(`unknown host ${HOST}`);
  const cluster = await newCluster(HOST);
  const { nodes, bootstrap } = cluster;
  try {
    await Promise.all(nodes.map((n) => startNode(cluster, n)));
    const admin = new Admin(rt, { bootstrap, requestTimeoutMs: 3_000 });
    await waitForBrokers(admin, 3);
    await admin.createTopic(TOPIC, {
      partitions: 1,
      replicationFactor: 3,
      configs: { "min.insync.replicas": "2" },
    });
    const errors: string[] = [];
    const producer = new Producer(rt, {
      bootstrap,
      acks: "all",
      idempotent: true,
      connector: countingConnector(errors),
    });
    const load = new Load(producer);
    load.start();
    const stops: { leader: number; stopMs: number; stallMs: number; retried: string[] }[] = [];
    for (let i = 0; i < STOPS; i++) {
      const p = await waitFor(admin, TOPIC, (x) => x.leader > 0 && x.isr.length === 3);
      await load.waitForAcked(load.acked.length + 500);
      const victim = nodes.find((n) => n.id === p.leader);
      if (victim === undefined) throw new Error(`leader ${p.leader} is no node`);
      load.resetGap();
      errors.length = 0;
      const stoppedAt = performance.now();
      const code = await stopNode(victim, "SIGTERM");
      const stopMs = Math.round(performance.now() - stoppedAt);
      if (code !== 0) throw new Error(`node ${victim.id} exited ${code}`);
      await load.waitForAcked(load.acked.length + ACKS_AFTER_STOP);
      const stop = {
        leader: victim.id,
        stopMs,
        stallMs: Math.round(load.gapMsMax),
        retried: [...errors],
      };
      stops.push(stop);
      console.log(`stop ${i + 1}: ${JSON.stringify(stop)}`);
      await startNode(cluster, victim);
    }
    await load.stop();
    await producer.close();
    const end = (await admin.listOffsets(TOPIC, 0, "latest")).offset;
    await admin.close();
    const stored = await readBack(bootstrap, end);
    const missing = load.acked.filter((v) => !stored.has(v)).length;
    const stalls = stops.map((s) => s.stallMs).sort((a, b) => a - b);
    const retried = stops.map((s) => s.retried.length);
    console.log(JSON.stringify({
      host: HOST,
      stops: STOPS,
      acked: load.acked.length,
      failedSends: load.failed.length,
      missingAcked: missing,
      retriedRequests: retried.reduce((a, b) => a + b, 0),
      retriedPerStopMax: Math.max(...retried),
      stallMedianMs: quantile(stalls, 0.5),
      stallMaxMs: stalls.at(-1),
      stallsMs: stops.map((s) => s.stallMs),
      stopMsMedian: quantile(stops.map((s) => s.stopMs).sort((a, b) => a - b), 0.5),
      loadAverage1m: Math.round(loadavg()[0] * 100) / 100,
    }));
  } finally {
    await removeCluster(cluster);
    killAll();
  }
}

await main();
