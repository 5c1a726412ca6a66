// Bad input against a real broker process: garbage and hostile frames on the TCP port, broken
// HTTP requests, CRC-valid batches with malformed records. Each gets its error (or a clean close
// of that connection only), and normal requests succeed afterwards. E2E_BAD_INPUT_HOSTS narrows
// the hosts (default: all).
import { connect, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createNodeRuntime } from "../../runtime/node/mod.ts";
import { Admin, Producer } from "../../src/index.ts";
import { compressBatch } from "../../src/log/record-batch.ts";
import { ProtocolClient } from "../../src/protocol/cbor/client.ts";
import { malformedCases, validBatch } from "../support/malformed-batches.ts";
import {
  type BrokerProcess,
  makeTempDir,
  requireHost,
  selectedHosts,
  startBrokerProcess,
} from "./broker-process.ts";

const selected = selectedHosts("E2E_BAD_INPUT_HOSTS");

/** Writes chunks, then collects what comes back until the server closes or waitMs passes. */
async function exchange(
  port: number,
  chunks: Uint8Array[],
  waitMs: number,
  endAfter = false,
): Promise<{ bytes: number; closed: boolean }> {
  const socket: Socket = connect({ host: "127.0.0.1", port });
  let bytes = 0;
  let closed = false;
  socket.on("data", (d) => (bytes += d.length));
  socket.on("error", () => undefined); // a reset is one of the acceptable outcomes
  const ended = new Promise<void>((res) => socket.once("close", () => ((closed = true), res())));
  await new Promise<void>((res, rej) => socket.once("connect", res).once("error", rej));
  for (const chunk of chunks) socket.write(chunk);
  if (endAfter) socket.destroy();
  await Promise.race([ended, new Promise((r) => setTimeout(r, waitMs))]);
  socket.destroy();
  return { bytes, closed };
}

for (const host of selected) {
  requireHost(host);
  describe(`bad input under ${host}`, () => {
    const dir = makeTempDir(`tributary-bad-${host}-`);
    let broker: BrokerProcess | null = null;
    let http = "";

    beforeAll(async () => {
      broker = await startBrokerProcess(host, { dataDir: dir.path });
      http = broker.httpUrl;
      const admin = new Admin({ bootstrap: broker.bootstrap });
      await admin.createTopic("ok", { partitions: 2 });
      await admin.close();
    }, 60_000);
    afterAll(async () => {
      await broker?.stop();
      dir.remove();
    });

    async function stillServes(): Promise<void> {
      const b = broker as BrokerProcess;
      const producer = new Producer({ bootstrap: b.bootstrap, lingerMs: 0 });
      const sent = await producer.send({ topic: "ok", key: "k", value: "still here" });
      await producer.close();
      expect(sent.offset).toBeGreaterThanOrEqual(0);
      expect((await fetch(`${http}/v1/health`)).status).toBe(200);
    }

    it("survives random bytes, a 2 GiB frame header and a connection dropped mid-frame", async () => {
      const port = (broker as BrokerProcess).port;
      const random = new Uint8Array(4096).map((_, i) => (i * 7919 + 13) & 0xff);
      const garbage = await exchange(port, [random], 2000);
      expect(garbage.closed).toBe(true);
      const huge = new Uint8Array([0x80, 0x00, 0x00, 0x00, 0x84, 0x01]);
      const hugeResult = await exchange(port, [huge], 2000);
      expect(hugeResult.closed).toBe(true);
      // A header announcing 100 bytes, 10 of them, then the client goes away.
      await exchange(port, [new Uint8Array([0, 0, 0, 100]), new Uint8Array(10)], 100, true);
      await stillServes();
    });

    it("answers malformed HTTP with JSON errors and the right statuses", async () => {
      const post = (path: string, body: string, type = "application/json") =>
        fetch(`${http}${path}`, { method: "POST", headers: { "content-type": type }, body });
      const cases: Array<[Promise<Response>, number, string]> = [
        [post("/v1/topics/ok/records", "{not json"), 400, "INVALID_REQUEST"],
        [
          post("/v1/topics/ok/records", JSON.stringify({ records: "nope" })),
          400,
          "INVALID_REQUEST",
        ],
        [
          post(
            "/v1/topics/ok/records",
            JSON.stringify({ records: [{ value: "x", partition: "zero" }] }),
          ),
          400,
          "INVALID_REQUEST",
        ],
        [post("/v1/topics", JSON.stringify({ name: "bad/name" })), 400, "INVALID_TOPIC_EXCEPTION"],
        [post("/v1/topics", JSON.stringify({ name: "ok" })), 409, "TOPIC_ALREADY_EXISTS"],
        [post("/v1/topics/ok/records", "x".repeat(12 * 1024 * 1024)), 413, "PAYLOAD_TOO_LARGE"],
        [fetch(`${http}/v1/topics/ok/partitions/0/records?offset=-5`), 400, "INVALID_REQUEST"],
        [
          fetch(`${http}/v1/topics/ok/partitions/0/records?offset=99999999999`),
          416,
          "OFFSET_OUT_OF_RANGE",
        ],
        [fetch(`${http}/v1/topics/ok/partitions/0/records?offset=abc`), 400, "INVALID_REQUEST"],
        [
          fetch(`${http}/v1/topics/missing/partitions/0/records`),
          404,
          "UNKNOWN_TOPIC_OR_PARTITION",
        ],
        [fetch(`${http}/v1/topics/ok/partitions/9/records`), 404, "UNKNOWN_TOPIC_OR_PARTITION"],
      ];
      for (const [pending, status, code] of cases) {
        const response = await pending;
        const body = (await response.json()) as { error?: { code: string; message: string } };
        expect({ status: response.status, code: body.error?.code }).toEqual({ status, code });
        expect(body.error?.message).not.toMatch(/\n\s+at /); // no stack traces
      }
      await stillServes();
    });

    it("refuses CRC-valid batches with malformed records; the partition stays readable", async () => {
      const b = broker as BrokerProcess;
      const rt = createNodeRuntime();
      const client = await ProtocolClient.connect(rt, {
        host: "127.0.0.1",
        port: b.port,
        requestTimeoutMs: 10_000,
      });
      const chosen = [
        "headerCount 3, one header present",
        "3 trailing bytes after the last record",
        "key length 10^9",
        "offset deltas 0, 2, 1",
        "gzip section that is not gzip",
        "gzip stream cut short",
        "gzip bomb past max.message.bytes",
      ].map((name) => malformedCases.find((c) => c.name === name)!);
      try {
        for (const [i, c] of chosen.entries()) {
          // The malformed batch on partition 0, a valid one on partition 1 of the same request.
          const { partitions } = await client.request("Produce", {
            acks: -1,
            timeoutMs: 10_000,
            partitions: [
              { topic: "ok", partition: 0, records: await c.batch() },
              { topic: "ok", partition: 1, records: validBatch(`p1-${i}`, 1) },
            ],
          });
          expect(partitions.map((p) => p.error?.code ?? null), c.name).toEqual([c.code, null]);
        }
        const fine = await client.request("Produce", {
          acks: -1,
          timeoutMs: 10_000,
          partitions: [
            { topic: "ok", partition: 0, records: validBatch("p0", 2) },
            {
              topic: "ok",
              partition: 0,
              records: await compressBatch({
                records: [{ key: null, value: new TextEncoder().encode("gzip-ok"), timestamp: 1 }],
              }),
            },
          ],
        });
        expect(fine.partitions.map((p) => p.error)).toEqual([null, null]);
        // The bad batches left no trace: both partitions read back over HTTP in full.
        const read = async (partition: number) => {
          const url = `${http}/v1/topics/ok/partitions/${partition}/records?offset=earliest`;
          const response = await fetch(url);
          const body = (await response.json()) as { records?: Array<{ value: string }> };
          expect(response.status, JSON.stringify(body)).toBe(200);
          return (body.records ?? []).map((r) => r.value);
        };
        expect(await read(0)).toEqual(expect.arrayContaining(["ok-p0-0", "ok-p0-1", "gzip-ok"]));
        expect(await read(1)).toEqual(
          expect.arrayContaining(chosen.map((_, i) => `ok-p1-${i}-0`)),
        );
      } finally {
        await client.close();
      }
      await stillServes();
    });
  });
}
