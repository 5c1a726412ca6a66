import { describe, expect, it } from "vitest";
import { type ErrorCodeName, TributaryError } from "../../src/model/errors.ts";
import { FakeBroker } from "./fake-broker.ts";
import { BASE, call, makeApp } from "./helpers.ts";
import type { TestApp } from "./helpers.ts";

const BODY_BYTES_MAX = 4096;

async function setup(): Promise<TestApp & { broker: FakeBroker }> {
  const broker = new FakeBroker();
  const t = makeApp(broker, { bodyBytesMax: BODY_BYTES_MAX, fetchWaitMsMax: 1000 });
  expect((await call(t.app, "POST", "/v1/topics", { name: "t", partitions: 2 })).status).toBe(201);
  return { broker, ...t };
}

/** After every bad request, a normal produce and fetch still work. */
async function expectHealthy(t: TestApp): Promise<void> {
  const produced = await call(t.app, "POST", "/v1/topics/t/records", {
    records: [{ value: "ok", partition: 0 }],
  });
  expect(produced.status).toBe(200);
  const offset = produced.body.offsets[0].offset;
  const fetched = await call(t.app, "GET", `/v1/topics/t/partitions/0/records?offset=${offset}`);
  expect(fetched.body.records[0].value).toBe("ok");
}

function expectError(
  // deno-lint-ignore no-explicit-any -- response bodies are checked field by field
  res: { status: number; body: any },
  status: number,
  code: string,
  mention?: string,
) {
  expect(res.status).toBe(status);
  expect(Object.keys(res.body)).toEqual(["error"]);
  expect(Object.keys(res.body.error).sort()).toEqual(["code", "message"]);
  expect(res.body.error.code).toBe(code);
  if (mention !== undefined) expect(res.body.error.message).toContain(mention);
}

describe("HTTP bad input", () => {
  it("refuses malformed JSON, CBOR and invalid UTF-8 bodies", async () => {
    const t = await setup();
    for (const body of ["{", '{"records": [}', "", "nul"]) {
      expectError(await call(t.app, "POST", "/v1/topics/t/records", body), 400, "INVALID_REQUEST");
      await expectHealthy(t);
    }
    const badUtf8 = Uint8Array.from([0x22, 0xff, 0xfe, 0x22]);
    expectError(await call(t.app, "POST", "/v1/topics", badUtf8), 400, "INVALID_REQUEST", "JSON");
    const badCbor = Uint8Array.from([0xa1, 0x61]);
    const res = await call(t.app, "POST", "/v1/topics", badCbor, {
      "content-type": "application/cbor",
    });
    expectError(res, 400, "INVALID_REQUEST", "CBOR");
    await expectHealthy(t);
  });

  it("names the field of a wrong type", async () => {
    const t = await setup();
    const cases: Array<[unknown, string]> = [
      [{}, "records"],
      [{ records: "x" }, "records"],
      [{ records: [] }, "records"],
      [{ records: [5] }, "records[0]"],
      [{ records: [{ value: "a" }, { key: "k" }] }, "records[1].value"],
      [{ records: [{ value: "a", partition: "1" }] }, "records[0].partition"],
      [{ records: [{ value: "a", partition: -1 }] }, "records[0].partition"],
      [{ records: [{ value: "a", timestamp: -1 }] }, "records[0].timestamp"],
      [{ records: [{ value: "a", timestamp: 1.5 }] }, "records[0].timestamp"],
      [{ records: [{ value: "a", headers: ["x"] }] }, "records[0].headers"],
      [{ records: [{ value: "a", headers: { h: 1 } }] }, "records[0].headers.h"],
      [{ records: [{ value: "a", partiton: 1 }] }, "partiton"],
      [{ records: [{ value: 1 }], encoding: "base64" }, "records[0].value"],
      [{ records: [{ value: "a" }], encoding: "hex" }, "encoding"],
    ];
    for (const [body, field] of cases) {
      const res = await call(t.app, "POST", "/v1/topics/t/records", body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expectError(res, 400, "INVALID_REQUEST", field);
    }
    await expectHealthy(t);
  });

  it("refuses bodies over the limit, declared or streamed", async () => {
    const t = await setup();
    const big = JSON.stringify({ records: [{ value: "x".repeat(BODY_BYTES_MAX) }] });
    expectError(await call(t.app, "POST", "/v1/topics/t/records", big), 413, "PAYLOAD_TOO_LARGE");
    await expectHealthy(t);

    // No Content-Length: the cap must hold while reading. The source would go on for a
    // megabyte; the reader has to give up after the limit.
    let pulledBytes = 0;
    const chunk = new TextEncoder().encode("x".repeat(1024));
    const endless = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (pulledBytes >= 1024 * 1024) return controller.close();
        pulledBytes += chunk.length;
        controller.enqueue(chunk);
      },
    });
    const request = new Request(`${BASE}/v1/topics/t/records`, {
      method: "POST",
      body: endless,
      headers: { "content-type": "application/json" },
      duplex: "half",
    } as RequestInit);
    const res = await t.app.request(request);
    expect(res.status).toBe(413);
    expect((await res.json()).error.code).toBe("PAYLOAD_TOO_LARGE");
    expect(pulledBytes).toBeLessThan(BODY_BYTES_MAX + 4 * chunk.length);
    await expectHealthy(t);
  });

  it("refuses negative, fractional and huge offsets; out-of-log ones are 416", async () => {
    const t = await setup();
    await expectHealthy(t);
    for (const offset of ["-1", "1.5", "1e3", "abc", "99999999999999999999", "9007199254740993"]) {
      const res = await call(t.app, "GET", `/v1/topics/t/partitions/0/records?offset=${offset}`);
      expectError(res, 400, "INVALID_REQUEST", "offset");
    }
    const beyond = await call(
      t.app,
      "GET",
      "/v1/topics/t/partitions/0/records?offset=9007199254740991",
    );
    expectError(beyond, 416, "OFFSET_OUT_OF_RANGE");
    const justBeyond = await call(t.app, "GET", "/v1/topics/t/partitions/0/records?offset=2");
    expectError(justBeyond, 416, "OFFSET_OUT_OF_RANGE");
    await expectHealthy(t);
  });

  it("checks fetch sizes and waits", async () => {
    const t = await setup();
    const cases: Array<[string, string]> = [
      ["maxRecords=0", "INVALID_REQUEST"],
      ["maxRecords=10001", "INVALID_REQUEST"],
      ["maxBytes=0", "INVALID_FETCH_SIZE"],
      ["maxBytes=67108865", "INVALID_FETCH_SIZE"],
      ["timeoutMs=1001", "INVALID_REQUEST"],
      ["timeoutMs=-1", "INVALID_REQUEST"],
      ["encoding=hex", "INVALID_REQUEST"],
    ];
    for (const [query, code] of cases) {
      const res = await call(t.app, "GET", `/v1/topics/t/partitions/0/records?${query}`);
      expectError(res, 400, code, query.split("=")[0]);
    }
    await expectHealthy(t);
  });

  it("answers 404 for unknown topics, partitions and routes", async () => {
    const t = await setup();
    const paths = [
      ["GET", "/v1/topics/nope"],
      ["GET", "/v1/topics/nope/partitions/0/records"],
      ["GET", "/v1/topics/t/partitions/2/records"],
      ["GET", "/v1/topics/t/partitions/2/offsets"],
      ["GET", "/v1/topics/t/partitions/2/stream"],
      ["DELETE", "/v1/topics/nope"],
    ];
    for (const [method, path] of paths) {
      expectError(await call(t.app, method, path), 404, "UNKNOWN_TOPIC_OR_PARTITION");
    }
    const produce = await call(t.app, "POST", "/v1/topics/nope/records", {
      records: [{ value: "a" }],
    });
    expectError(produce, 404, "UNKNOWN_TOPIC_OR_PARTITION");
    expectError(
      await call(t.app, "GET", "/v1/topics/t/partitions/x/records"),
      400,
      "INVALID_REQUEST",
      "partition",
    );
    expectError(await call(t.app, "GET", "/v1/nothing"), 404, "NOT_FOUND", "/v1/nothing");
    const wrongMethod = await call(t.app, "PUT", "/v1/topics");
    expectError(wrongMethod, 405, "METHOD_NOT_ALLOWED");
    expect(wrongMethod.headers.get("allow")).toBe("GET, POST, HEAD, OPTIONS");
    await expectHealthy(t);
  });

  it("turns unexpected exceptions into a generic 500 without internals", async () => {
    const t = await setup();
    t.broker.failWith = new Error("secret internal detail at /var/lib/x");
    const res = await call(t.app, "GET", "/v1/topics");
    expectError(res, 500, "UNKNOWN_SERVER_ERROR");
    expect(JSON.stringify(res.body)).not.toContain("secret");
    expect(t.unexpected).toHaveLength(1);
    t.broker.failWith = undefined;
    await expectHealthy(t);
  });
});

describe("Retry-After", () => {
  it("comes with retriable 503 and 504 answers only", async () => {
    const t = await setup();
    const cases: Array<[string, number, string | null]> = [
      ["NOT_LEADER_OR_FOLLOWER", 503, "1"],
      ["LEADER_NOT_AVAILABLE", 503, "1"],
      ["REQUEST_TIMED_OUT", 504, "1"],
      ["UNKNOWN_TOPIC_OR_PARTITION", 404, null],
      ["INVALID_REQUEST", 400, null],
      ["KAFKA_STORAGE_ERROR", 500, null],
    ];
    for (const [code, status, retryAfter] of cases) {
      t.broker.failWith = new TributaryError(code as ErrorCodeName, `failing with ${code}`);
      const res = await call(t.app, "GET", "/v1/topics/t/partitions/0/offsets");
      expectError(res, status, code);
      expect(res.headers.get("retry-after"), code).toBe(retryAfter);
    }
  });
});
