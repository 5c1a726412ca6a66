import { describe, expect, it } from "vitest";
import { FakeBroker } from "./fake-broker.ts";
import { BASE, call, makeApp } from "./helpers.ts";
import { eventually } from "../support/eventually.ts";

interface SseReader {
  /** Reads until `until` holds for the text so far (bounded in time), returns all text read. */
  readUntil(until: (text: string) => boolean, timeoutMs?: number): Promise<string>;
  cancel(): Promise<void>;
}

function sseReader(res: Response): SseReader {
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let text = "";
  return {
    async readUntil(until, timeoutMs = 5_000) {
      const deadline = Date.now() + timeoutMs;
      for (let i = 0; i < 1_000 && !until(text); i++) {
        const remaining = deadline - Date.now();
        if (remaining <= 0) throw new Error(`timed out; read so far:\n${text}`);
        let timer: ReturnType<typeof setTimeout> | undefined;
        const timeout = new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(new Error(`timed out; read so far:\n${text}`)),
            remaining,
          );
        });
        const chunk = await Promise.race([reader.read(), timeout]).finally(() =>
          clearTimeout(timer)
        );
        if (chunk.done) break;
        text += decoder.decode(chunk.value, { stream: true });
      }
      return text;
    },
    cancel: () => reader.cancel(),
  };
}

// deno-lint-ignore no-explicit-any -- response bodies are checked field by field
function events(text: string): Array<{ id?: string; event?: string; data: any }> {
  return text
    .split("\n\n")
    .filter((block) => block.split("\n").some((line) => line.startsWith("data: ")))
    .map((block) => {
      const fields = Object.fromEntries(
        block.split("\n").map((l) => [l.slice(0, l.indexOf(":")), l.slice(l.indexOf(":") + 2)]),
      );
      return { id: fields.id, event: fields.event, data: JSON.parse(fields.data) };
    });
}

async function setup(heartbeatMs = 15_000) {
  const broker = new FakeBroker();
  const t = makeApp(broker, { sseHeartbeatMs: heartbeatMs });
  await call(t.app, "POST", "/v1/topics", { name: "t", partitions: 1 });
  const produce = (values: string[]) =>
    call(t.app, "POST", "/v1/topics/t/records", {
      records: values.map((value) => ({ value, headers: { h: value } })),
    });
  return { broker, app: t.app, produce };
}

describe("HTTP SSE stream", () => {
  it("sends one event per record with its offset as id, then tails new ones", async () => {
    const { broker, app, produce } = await setup();
    await produce(["a", "b", "c"]);
    const res = await app.request(`${BASE}/v1/topics/t/partitions/0/stream?offset=0`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/event-stream");
    const sse = sseReader(res);
    let text = await sse.readUntil((s) => events(s).length >= 3);
    expect(events(text).map((e) => [e.id, e.event, e.data.value])).toEqual([
      ["0", undefined, "a"],
      ["1", undefined, "b"],
      ["2", undefined, "c"],
    ]);
    expect(events(text)[1].data).toMatchObject({ offset: 1, key: null, headers: { h: "b" } });

    await produce(["d"]);
    text = await sse.readUntil((s) => events(s).length >= 4);
    expect(events(text)[3]).toMatchObject({ id: "3", data: { value: "d", offset: 3 } });

    await sse.cancel();
    const last = broker.fetchCalls.at(-1)!;
    expect(last.signal?.aborted).toBe(true);
  });

  it("resumes after Last-Event-ID, ahead of ?offset=", async () => {
    const { app, produce } = await setup();
    await produce(["a", "b", "c"]);
    const res = await app.request(`${BASE}/v1/topics/t/partitions/0/stream?offset=0`, {
      headers: { "last-event-id": "1" },
    });
    const sse = sseReader(res);
    const text = await sse.readUntil((s) => events(s).length >= 1);
    expect(events(text)[0]).toMatchObject({ id: "2", data: { value: "c" } });
    await sse.cancel();
  });

  it("sends keepalive comments while the partition is idle", async () => {
    const { app } = await setup(30);
    const sse = sseReader(
      await app.request(`${BASE}/v1/topics/t/partitions/0/stream?offset=latest`),
    );
    const text = await sse.readUntil((s) => s.split(": keepalive\n\n").length >= 3);
    expect(events(text)).toEqual([]);
    await sse.cancel();
  });

  it("ends with an error event when the partition goes away", async () => {
    const { broker, app } = await setup(30);
    const sse = sseReader(await app.request(`${BASE}/v1/topics/t/partitions/0/stream`));
    await sse.readUntil((s) => s.includes(": tail"));
    await broker.deleteTopic("t");
    const text = await sse.readUntil(() => false, 3_000);
    const [error] = events(text);
    expect(error.event).toBe("error");
    expect(error.data.error.code).toBe("UNKNOWN_TOPIC_OR_PARTITION");
  });

  it("refuses a bad start before streaming", async () => {
    const { app, produce } = await setup();
    await produce(["a"]);
    const beyond = await call(app, "GET", "/v1/topics/t/partitions/0/stream?offset=5");
    expect(beyond.status).toBe(416);
    expect(beyond.body.error.code).toBe("OFFSET_OUT_OF_RANGE");
    const badId = await call(app, "GET", "/v1/topics/t/partitions/0/stream", undefined, {
      "last-event-id": "x",
    });
    expect(badId.status).toBe(400);
    expect(badId.body.error.message).toContain("Last-Event-ID");
    const nope = await call(app, "GET", "/v1/topics/nope/partitions/0/stream");
    expect(nope.status).toBe(404);
  });
});

describe("HTTP shutdown signal", () => {
  it("ends SSE streams and answers waiting fetches at once", async () => {
    const broker = new FakeBroker();
    const shutdown = new AbortController();
    const { app } = makeApp(broker, { shutdownSignal: shutdown.signal, sseHeartbeatMs: 60_000 });
    await call(app, "POST", "/v1/topics", { name: "t" });
    const sse = sseReader(await app.request(`${BASE}/v1/topics/t/partitions/0/stream`));
    await sse.readUntil((s) => s.includes(": tail"));
    const started = Date.now();
    const poll = call(app, "GET", "/v1/topics/t/partitions/0/records?timeoutMs=30000");
    await eventually(() => broker.waitingFetches === 2); // the long poll and the SSE tail
    shutdown.abort();
    const res = await poll;
    expect(res.body).toEqual({ records: [], nextOffset: 0, highWatermark: 0 });
    const rest = await sse.readUntil(() => false, 5_000); // returns once the stream has ended
    expect(events(rest)).toEqual([]);
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});

describe("HTTP shutdown with a broker whose aborted fetches reject", () => {
  it("answers a cut-short long poll with 503 BROKER_SHUTTING_DOWN and ends SSE quietly", async () => {
    const broker = new FakeBroker();
    broker.rejectOnAbort = true;
    const shutdown = new AbortController();
    const { app, unexpected } = makeApp(broker, {
      shutdownSignal: shutdown.signal,
      sseHeartbeatMs: 60_000,
    });
    await call(app, "POST", "/v1/topics", { name: "t" });
    const sse = sseReader(await app.request(`${BASE}/v1/topics/t/partitions/0/stream`));
    await sse.readUntil((s) => s.includes(": tail"));
    const poll = call(app, "GET", "/v1/topics/t/partitions/0/records?timeoutMs=30000");
    await eventually(() => broker.waitingFetches === 2);
    shutdown.abort();
    const res = await poll;
    expect(res.status).toBe(503);
    expect(res.body.error.code).toBe("BROKER_SHUTTING_DOWN");
    const rest = await sse.readUntil(() => false, 5_000);
    expect(rest).not.toContain("event: error");
    expect(unexpected).toEqual([]);
  });
});
