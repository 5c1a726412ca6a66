// Clients that never read their sockets, against a real broker process under each host: one
// CBOR connection pipelining large Fetch requests and several SSE streams over a large
// partition. The broker's memory stays bounded (it stops reading the CBOR connection once its
// unsent responses pass the per-connection bound; an SSE stream reads the log only as the socket
// takes what it sent) and a well-behaved client's produce + fetch round trips stay fast
// meanwhile. E2E_SLOW_READER_HOSTS narrows the hosts.
import { connect, type Socket } from "node:net";
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Admin, hostRuntimeOnce, Producer } from "../../src/index.ts";
import { ProtocolClient } from "../../src/protocol/cbor/client.ts";
import { encodeRequestFrame } from "../../src/protocol/cbor/envelope.ts";
import { Op } from "../../src/protocol/cbor/op-codes.ts";
import {
  type BrokerProcess,
  makeTempDir,
  requireHost,
  selectedHosts,
  startBrokerProcess,
} from "./broker-process.ts";

const selected = selectedHosts("E2E_SLOW_READER_HOSTS");

const mib = 1024 * 1024;
const fetchRequests = 2_000;
const sampleMs = 5_000;
// The well-behaved client must finish this many round trips; on a loaded machine it may take
// longer than sampleMs, up to roundTripsDeadlineMs (a starved client still fails).
const roundTripsMin = 11;
const roundTripsDeadlineMs = 20_000;
/** SSE streams that never read, each over bigBytes of records (base64: 4/3 of it as text). */
const sseReaders = 2;
const bigBytes = 64 * mib;
const sseRssGrowthBytesMax = 300 * mib;
/** RSS growth over the baseline the broker may show while the slow reader is connected. */
const rssGrowthBytesMax = 150 * mib;
/** Generous for a shared 2-core CI machine, and still far below the seconds seen unbounded. */
const roundTripP99MsMax = 500;

function rssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kib = /^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1];
  if (kib === undefined) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(kib) * 1024;
}

/** A socket that connects and then never reads: the kernel's buffers fill and stay full. */
async function nonReadingSocket(port: number): Promise<Socket> {
  const socket = connect({ host: "127.0.0.1", port });
  socket.pause();
  socket.on("error", () => undefined); // torn down by the test; a reset is expected then
  await new Promise<void>((res, rej) => socket.once("connect", res).once("error", rej));
  return socket;
}

function fetchFrames(topic: string, count: number): Uint8Array {
  const frames: Uint8Array[] = [];
  for (let i = 0; i < count; i++) {
    frames.push(encodeRequestFrame(Op.Fetch, 1, i + 1, {
      maxWaitMs: 0,
      minBytes: 0,
      maxBytes: mib,
      partitions: [{ topic, partition: 0, offset: 0, maxBytes: mib }],
    }));
  }
  const all = new Uint8Array(frames.reduce((n, f) => n + f.length, 0));
  let at = 0;
  for (const f of frames) all.set(f, (at += f.length) - f.length);
  return all;
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

for (const host of selected) {
  requireHost(host);
  describe(`a client that does not read, under ${host}`, () => {
    const dir = makeTempDir(`tributary-slow-reader-${host}-`);
    let broker: BrokerProcess | null = null;

    beforeAll(async () => {
      broker = await startBrokerProcess(host, { dataDir: dir.path });
      const admin = new Admin({ bootstrap: broker.bootstrap });
      await admin.createTopic("big", { partitions: 1 });
      await admin.createTopic("small", { partitions: 1 });
      await admin.close();
      // 64 KiB records, so every Fetch for 1 MiB at offset 0 gets a full 1 MiB.
      const producer = new Producer({ bootstrap: broker.bootstrap, lingerMs: 0 });
      const value = new Uint8Array(64 * 1024).fill(7);
      const sends = [];
      for (let i = 0; i < bigBytes / value.length; i++) {
        sends.push(producer.send({ topic: "big", value }));
      }
      await Promise.all(sends);
      await producer.close();
    }, 60_000);
    afterAll(async () => {
      await broker?.stop();
      dir.remove();
    });

    /**
     * Produce + fetch round trips for sampleMs and at least roundTripsMin of them (bounded by
     * roundTripsDeadlineMs), sampling the broker's RSS as it goes.
     */
    async function wellBehavedClient(baseline: number) {
      const b = broker as BrokerProcess;
      const pid = b.child.pid as number;
      const rt = await hostRuntimeOnce();
      const producer = new Producer({ bootstrap: b.bootstrap, lingerMs: 0 });
      const reader = await ProtocolClient.connect(rt, { host: "127.0.0.1", port: b.port });
      const latenciesMs: number[] = [];
      let rssMax = baseline;
      const started = performance.now();
      let nextSampleMs = 0;
      try {
        const more = () => {
          const elapsedMs = performance.now() - started;
          if (elapsedMs >= roundTripsDeadlineMs) return false;
          return elapsedMs < sampleMs || latenciesMs.length < roundTripsMin;
        };
        while (more()) {
          const t0 = performance.now();
          const sent = await producer.send({ topic: "small", value: "ping" });
          const got = await reader.request("Fetch", {
            maxWaitMs: 0,
            minBytes: 0,
            maxBytes: 4096,
            partitions: [{ topic: "small", partition: 0, offset: sent.offset, maxBytes: 4096 }],
          });
          latenciesMs.push(performance.now() - t0);
          expect(got.partitions[0].records.length).toBeGreaterThan(0);
          if (performance.now() - started >= nextSampleMs) {
            rssMax = Math.max(rssMax, rssBytes(pid));
            nextSampleMs += 100;
          }
        }
      } finally {
        await producer.close();
        await reader.close();
      }
      rssMax = Math.max(rssMax, rssBytes(pid));
      const p99 = percentile(latenciesMs, 99);
      const summary = `${host}: baseline ${(baseline / mib).toFixed(0)} MiB, max ${
        (rssMax / mib).toFixed(0)
      } MiB, ${latenciesMs.length} round trips, p50 ${
        percentile(latenciesMs, 50).toFixed(1)
      } ms, p99 ${p99.toFixed(1)} ms`;
      return { growthBytes: rssMax - baseline, roundTrips: latenciesMs.length, p99, summary };
    }

    it("a CBOR client pipelining Fetch without reading: RSS bounded, others fast", async () => {
      const b = broker as BrokerProcess;
      const baseline = rssBytes(b.child.pid as number);
      const slow = await nonReadingSocket(b.port);
      slow.write(fetchFrames("big", fetchRequests));
      const result = await wellBehavedClient(baseline).finally(() => slow.destroy());
      console.log(`CBOR non-reader, ${result.summary}`);
      expect(result.growthBytes).toBeLessThan(rssGrowthBytesMax);
      expect(result.roundTrips).toBeGreaterThanOrEqual(roundTripsMin);
      expect(result.p99).toBeLessThan(roundTripP99MsMax);
    }, 60_000);

    it("SSE streams that are not read: RSS bounded, others served", async () => {
      const b = broker as BrokerProcess;
      const baseline = rssBytes(b.child.pid as number);
      const httpPort = Number(new URL(b.httpUrl).port);
      const streams = await Promise.all(
        Array.from({ length: sseReaders }, () => nonReadingSocket(httpPort)),
      );
      for (const s of streams) {
        s.write(
          "GET /v1/topics/big/partitions/0/stream?offset=0&encoding=base64 HTTP/1.1\r\n" +
            "Host: 127.0.0.1\r\n\r\n",
        );
      }
      const result = await wellBehavedClient(baseline).finally(() => {
        for (const s of streams) s.destroy();
      });
      console.log(`SSE non-readers, ${result.summary}`);
      // Filling the readers' kernel buffers (tens of MiB each on loopback) costs CPU and leaves
      // garbage that Bun collects late, so the bound is wider than the CBOR one; a stream that
      // buffered instead of pulling would hold its whole partition, several times over.
      expect(result.growthBytes).toBeLessThan(sseRssGrowthBytesMax);
      expect(result.roundTrips).toBeGreaterThanOrEqual(roundTripsMin);
    }, 60_000);
  });
}
