// The HTTP API over the real Broker on an in-memory file system, and once over a real socket.
import { afterEach, describe, expect, it } from "vitest";
import { createNodeRuntime } from "../../runtime/node/mod.ts";
import { MemoryFileSystem } from "../../runtime/memory/memory-fs.ts";
import type { Runtime } from "../../runtime/types.ts";
import { Broker } from "../../src/broker/broker.ts";
import type { BrokerApi, FetchRequest } from "../../src/broker/types.ts";
import { partitionForKey } from "../../src/model/partitioner.ts";
import { createHttpApp } from "../../src/http/app.ts";
import { MetricsRegistry } from "../../src/metrics/registry.ts";
import { call, text } from "./helpers.ts";
import { eventually } from "../support/eventually.ts";

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

/** The broker, with every fetch request it is handed recorded (to check their signals). */
function recordingFetches(broker: Broker): { api: BrokerApi; fetches: FetchRequest[] } {
  const fetches: FetchRequest[] = [];
  const api = new Proxy(broker, {
    get(target, name) {
      if (name === "fetch") {
        return (request: FetchRequest) => {
          fetches.push(request);
          return target.fetch(request);
        };
      }
      const value = Reflect.get(target, name, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  }) as BrokerApi;
  return { api, fetches };
}

async function open(options: { sseHeartbeatMs?: number } = {}) {
  const host = createNodeRuntime();
  const rt: Runtime = { ...host, fs: new MemoryFileSystem({ random: host.random }) };
  const metrics = new MetricsRegistry();
  const broker = await Broker.open(rt, {
    nodeId: 1,
    dataDir: "/data",
    host: "127.0.0.1",
    port: 0,
    metrics,
  });
  closers.push(() => broker.close());
  const { api, fetches } = recordingFetches(broker);
  const app = createHttpApp(api, {
    runtimeName: rt.name,
    version: "test",
    nodeId: 1,
    metrics,
    random: rt.random,
    clock: rt.clock,
    ...options,
  });
  return { rt, broker, app, metrics, fetches };
}

describe("HTTP API over the real Broker", () => {
  it("creates, describes, lists and deletes topics", async () => {
    const { app } = await open();
    const created = await call(app, "POST", "/v1/topics", {
      name: "orders",
      partitions: 3,
      configs: { "retention.ms": 60_000, "cleanup.policy": "delete" },
    });
    expect(created.status).toBe(201);
    expect(created.body.configs["retention.ms"]).toBe("60000");
    expect(created.body.configs["segment.bytes"]).toBe("1073741824");
    expect(created.body.partitions.map((p: { partition: number }) => p.partition)).toEqual([
      0,
      1,
      2,
    ]);
    expect(created.body.partitions[0]).toEqual({
      partition: 0,
      leader: 1,
      replicas: [1],
      isr: [1],
      logStartOffset: 0,
      highWatermark: 0,
    });
    expect((await call(app, "GET", "/v1/topics/orders")).body).toEqual(created.body);
    expect((await call(app, "GET", "/v1/topics")).body.topics).toEqual([
      { name: "orders", partitions: 3, replicationFactor: 1 },
    ]);
    expect((await call(app, "POST", "/v1/topics", { name: "orders" })).status).toBe(409);
    const badConfig = await call(app, "POST", "/v1/topics", {
      name: "x",
      configs: { "no.such": "1" },
    });
    expect(badConfig.status).toBe(400);
    expect(badConfig.body.error.code).toBe("INVALID_CONFIG");
    const badCount = await call(app, "POST", "/v1/topics", { name: "x", partitions: 100_000 });
    expect(badCount.status).toBe(400);
    expect((await call(app, "DELETE", "/v1/topics/orders")).status).toBe(204);
    expect((await call(app, "GET", "/v1/topics/orders")).status).toBe(404);
    expect((await call(app, "POST", "/v1/topics", { name: "x" })).status).toBe(201);
  });

  it("produces with every acks and reads everything back", async () => {
    const { app } = await open();
    await call(app, "POST", "/v1/topics", { name: "t", partitions: 4 });
    const keys = Array.from({ length: 40 }, (_, i) => `user-${i}`);
    for (const acks of ["all", "1", "0"]) {
      const res = await call(app, "POST", `/v1/topics/t/records?acks=${acks}`, {
        records: keys.map((key) => ({ key, value: { acks, key }, headers: { acks } })),
      });
      expect(res.status).toBe(200);
      const partitions = res.body.offsets.map((o: { partition: number }) => o.partition);
      expect(partitions).toEqual(keys.map((k) => partitionForKey(text.encode(k), 4)));
      if (acks === "0") {
        expect(new Set(res.body.offsets.map((o: { offset: number }) => o.offset))).toEqual(
          new Set([-1]),
        );
      }
    }
    let total = 0;
    for (let p = 0; p < 4; p++) {
      const page = await call(
        app,
        "GET",
        `/v1/topics/t/partitions/${p}/records?encoding=json&maxRecords=10000`,
      );
      expect(page.status).toBe(200);
      for (const r of page.body.records) {
        expect(partitionForKey(text.encode(r.key), 4)).toBe(p);
        expect(r.value.key).toBe(r.key);
        expect(r.headers.acks).toBe(r.value.acks);
      }
      expect(page.body.nextOffset).toBe(page.body.highWatermark);
      total += page.body.records.length;
    }
    // acks=0 is not awaited; wait for those writes to land (bounded).
    const landed = async () => {
      total = 0;
      for (let p = 0; p < 4; p++) {
        total += (await call(app, "GET", `/v1/topics/t/partitions/${p}/offsets`)).body.latest;
      }
      return total === 120;
    };
    await eventually(landed, 2_000);
  });

  it("looks offsets up by timestamp and refuses out-of-log offsets", async () => {
    const { app } = await open();
    await call(app, "POST", "/v1/topics", { name: "t" });
    await call(app, "POST", "/v1/topics/t/records", {
      records: [1_000, 2_000, 3_000].map((timestamp) => ({ value: "v", timestamp })),
    });
    expect((await call(app, "GET", "/v1/topics/t/partitions/0/offsets")).body).toEqual({
      earliest: 0,
      latest: 3,
    });
    expect((await call(app, "GET", "/v1/topics/t/partitions/0/offsets?timestamp=2000")).body)
      .toEqual({ offset: 1 });
    expect((await call(app, "GET", "/v1/topics/t/partitions/0/offsets?timestamp=4000")).body)
      .toEqual({ offset: -1 });
    const beyond = await call(app, "GET", "/v1/topics/t/partitions/0/records?offset=4");
    expect(beyond.status).toBe(416);
    expect(beyond.body.error.code).toBe("OFFSET_OUT_OF_RANGE");
    expect((await call(app, "GET", "/v1/topics/t/partitions/1/records")).status).toBe(404);
    const ok = await call(app, "GET", "/v1/topics/t/partitions/0/records?offset=3");
    expect(ok.body).toEqual({ records: [], nextOffset: 3, highWatermark: 3 });
  });

  it("refuses a batch over max.message.bytes", async () => {
    const { app } = await open();
    await call(app, "POST", "/v1/topics", { name: "small", configs: { "max.message.bytes": 200 } });
    const res = await call(app, "POST", "/v1/topics/small/records", {
      records: [{ value: "x".repeat(500) }],
    });
    expect(res.status).toBe(413);
    expect(["MESSAGE_TOO_LARGE", "RECORD_LIST_TOO_LARGE"]).toContain(res.body.error.code);
    expect(
      (await call(app, "POST", "/v1/topics/small/records", { records: [{ value: "x" }] })).status,
    ).toBe(200);
  });

  it("wakes a long poll on produce", async () => {
    const { app } = await open();
    await call(app, "POST", "/v1/topics", { name: "t" });
    const started = Date.now();
    const waiting = call(app, "GET", "/v1/topics/t/partitions/0/records?timeoutMs=20000");
    await new Promise((r) => setTimeout(r, 50));
    await call(app, "POST", "/v1/topics/t/records", { records: [{ value: "wake" }] });
    const res = await waiting;
    expect(res.body.records.map((r: { value: string }) => r.value)).toEqual(["wake"]);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it("counts produce and fetch in /metrics", async () => {
    const { app } = await open();
    await call(app, "POST", "/v1/topics", { name: "m" });
    await call(app, "POST", "/v1/topics/m/records", { records: [{ value: "a" }, { value: "b" }] });
    await call(app, "GET", "/v1/topics/m/partitions/0/records");
    const body = await (await app.request("http://x/metrics")).text();
    expect(body).toContain('tributary_produce_records_total{topic="m"} 2');
    expect(body).toContain('tributary_fetch_records_total{topic="m"} 2');
    expect(body).toMatch(/tributary_log_size_bytes\{topic="m",partition="0"\} [1-9]/);
    expect(body).toContain(
      'tributary_http_request_duration_seconds_count{route="/v1/topics/:topic/records",method="POST",status="2xx"} 1',
    );
  });
});

describe("HTTP API over a real socket", () => {
  it("streams SSE, resumes with Last-Event-ID and stops on disconnect", async () => {
    const { rt, app, fetches } = await open({ sseHeartbeatMs: 60_000 });
    const server = await rt.http.serve({ host: "127.0.0.1", port: 0, fetch: app.fetch });
    closers.push(() => server.close());
    const base = `http://127.0.0.1:${server.port}`;
    const post = (path: string, body: unknown) =>
      fetch(base + path, {
        method: "POST",
        body: JSON.stringify(body),
        headers: { "content-type": "application/json" },
      });
    expect((await post("/v1/topics", { name: "s" })).status).toBe(201);
    expect(
      (await post("/v1/topics/s/records", { records: [{ value: "a" }, { value: "b" }] })).status,
    ).toBe(200);

    const readEvents = async (headers: Record<string, string>, count: number) => {
      const abort = new AbortController();
      const res = await fetch(`${base}/v1/topics/s/partitions/0/stream?offset=0`, {
        headers,
        signal: abort.signal,
      });
      expect(res.headers.get("content-type")).toContain("text/event-stream");
      const reader = res.body!.getReader();
      const decoder = new TextDecoder();
      let got = "";
      const deadline = Date.now() + 5_000;
      for (
        let i = 0;
        i < 100 && (got.match(/^id: /gm) ?? []).length < count && Date.now() < deadline;
        i++
      ) {
        const chunk = await reader.read();
        if (chunk.done) break;
        got += decoder.decode(chunk.value, { stream: true });
      }
      abort.abort();
      await reader.cancel().catch(() => undefined); // already aborted: the rejection is expected
      return [...got.matchAll(/^id: (\d+)\ndata: (.*)$/gm)].map((
        m,
      ) => [m[1], JSON.parse(m[2]).value]);
    };

    expect(await readEvents({}, 2)).toEqual([["0", "a"], ["1", "b"]]);
    expect(await readEvents({ "last-event-id": "0" }, 1)).toEqual([["1", "b"]]);
    // The stream's long poll (60 s) must end with the disconnect, not run on.
    const tailing = fetches.filter((f) => f.maxWaitMs === 60_000);
    expect(tailing.length).toBeGreaterThanOrEqual(2);
    for (let i = 0; i < 100 && !tailing.every((f) => f.signal?.aborted); i++) {
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(tailing.map((f) => f.signal?.aborted)).toEqual(tailing.map(() => true));
    const big = await post("/v1/topics/s/records", {
      records: [{ value: "x".repeat(11 * 1024 * 1024) }],
    });
    expect(big.status).toBe(413);
    expect((await big.json()).error.code).toBe("PAYLOAD_TOO_LARGE");
    expect((await fetch(`${base}/v1/health`)).status).toBe(200);
  });
});
