// A client that pipelines large Fetch requests and never reads its socket, against a real broker
// process under each host: the broker's memory stays bounded (it stops reading that connection
// once its unsent responses pass the per-connection bound) and a second, well-behaved client's
// produce + fetch round trips stay fast meanwhile. E2E_SLOW_READER_HOSTS narrows the hosts.
import { connect, type Socket } from "node:net";
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Admin, hostRuntimeOnce, Producer } from "../../src/index.ts";
import { ProtocolClient } from "../../src/protocol/cbor/client.ts";
import { encodeRequestFrame } from "../../src/protocol/cbor/envelope.ts";
import { Op } from "../../src/protocol/cbor/messages.ts";
import {
  type BrokerProcess,
  type HostName,
  hosts,
  makeTempDir,
  requireHost,
  startBrokerProcess,
} from "./broker-process.ts";

const selected = (process.env.E2E_SLOW_READER_HOSTS?.split(",") ?? hosts) as HostName[];

const mib = 1024 * 1024;
const fetchRequests = 2_000;
const sampleMs = 5_000;
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
      // 2 MiB of 64 KiB records, so every Fetch for 1 MiB at offset 0 gets a full 1 MiB.
      const producer = new Producer({ bootstrap: broker.bootstrap, lingerMs: 0 });
      const value = new Uint8Array(64 * 1024).fill(7);
      for (let i = 0; i < 32; i++) await producer.send({ topic: "big", value });
      await producer.close();
    }, 60_000);
    afterAll(async () => {
      await broker?.stop();
      dir.remove();
    });

    it("keeps the broker's RSS bounded and other clients fast", async () => {
      const b = broker as BrokerProcess;
      const pid = b.child.pid as number;
      const rt = await hostRuntimeOnce();
      const producer = new Producer({ bootstrap: b.bootstrap, lingerMs: 0 });
      const reader = await ProtocolClient.connect(rt, { host: "127.0.0.1", port: b.port });
      await producer.send({ topic: "small", value: "warm-up" });
      const baseline = rssBytes(pid);

      const slow = await nonReadingSocket(b.port);
      slow.write(fetchFrames("big", fetchRequests));

      const latenciesMs: number[] = [];
      let rssMax = baseline;
      const started = performance.now();
      let nextSampleMs = 0;
      while (performance.now() - started < sampleMs) {
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
      rssMax = Math.max(rssMax, rssBytes(pid));
      slow.destroy();
      await producer.close();
      await reader.close();

      const p99 = percentile(latenciesMs, 99);
      console.log(
        `${host}: baseline ${(baseline / mib).toFixed(0)} MiB, max ${
          (rssMax / mib).toFixed(0)
        } MiB, ${latenciesMs.length} round trips, p50 ${
          percentile(latenciesMs, 50).toFixed(1)
        } ms, p99 ${p99.toFixed(1)} ms`,
      );
      expect(rssMax - baseline).toBeLessThan(rssGrowthBytesMax);
      expect(latenciesMs.length).toBeGreaterThan(10);
      expect(p99).toBeLessThan(roundTripP99MsMax);
    }, 60_000);
  });
}
