import { describe, expect, it } from "vitest";
import { partitionForKey } from "../../src/model/partitioner.ts";
import { FakeBroker } from "./fake-broker.ts";
import { call, cbor, makeApp, text } from "./helpers.ts";
import { eventually } from "../support/eventually.ts";

async function withTopic(partitions = 1) {
  const broker = new FakeBroker();
  const t = makeApp(broker);
  expect((await call(t.app, "POST", "/v1/topics", { name: "t", partitions })).status).toBe(201);
  return { broker, ...t };
}

describe("HTTP produce and fetch", () => {
  it("round-trips keys, values and headers with offsets in record order", async () => {
    const { app } = await withTopic(1);
    const produced = await call(app, "POST", "/v1/topics/t/records", {
      records: [
        { key: "k1", value: "hello", headers: { trace: "abc" }, timestamp: 1_700_000_000_123 },
        { value: { n: 1, ok: true } },
        { key: null, value: null },
        { value: 42 },
      ],
    });
    expect(produced.status).toBe(200);
    expect(produced.body).toEqual({
      offsets: [0, 1, 2, 3].map((offset) => ({ partition: 0, offset })),
    });

    const fetched = await call(app, "GET", "/v1/topics/t/partitions/0/records?offset=0");
    expect(fetched.status).toBe(200);
    expect(fetched.body.highWatermark).toBe(4);
    expect(fetched.body.nextOffset).toBe(4);
    const [r0, r1, r2, r3] = fetched.body.records;
    expect(r0).toEqual({
      offset: 0,
      timestamp: 1_700_000_000_123,
      key: "k1",
      value: "hello",
      headers: { trace: "abc" },
    });
    expect(r1.value).toBe('{"n":1,"ok":true}');
    expect(r1.key).toBeNull();
    expect(Math.abs(r1.timestamp - Date.now())).toBeLessThan(60_000);
    expect(r2).toMatchObject({ offset: 2, key: null, value: null, headers: {} });
    expect(r3.value).toBe("42");

    const asJson = await call(
      app,
      "GET",
      "/v1/topics/t/partitions/0/records?offset=1&encoding=json",
    );
    expect(asJson.body.records.map((r: { value: unknown }) => r.value)).toEqual([
      { n: 1, ok: true },
      null,
      42,
    ]);
    const utf8NotJson = await call(
      app,
      "GET",
      "/v1/topics/t/partitions/0/records?offset=0&maxRecords=1&encoding=json",
    );
    expect(utf8NotJson.body.records[0].value).toBe("hello");
    expect(utf8NotJson.body.nextOffset).toBe(1);
  });

  it("stores base64 strings as bytes and returns them as base64", async () => {
    const { app } = await withTopic(1);
    const bytes = Uint8Array.from([0, 255, 1, 254, 10]);
    const b64 = btoa(String.fromCharCode(...bytes));
    const produced = await call(app, "POST", "/v1/topics/t/records", {
      encoding: "base64",
      records: [{ key: "AQID", value: b64, headers: { h: "/w==" } }],
    });
    expect(produced.status).toBe(200);
    const fetched = await call(app, "GET", "/v1/topics/t/partitions/0/records?encoding=base64");
    expect(fetched.body.records[0]).toMatchObject({
      key: "AQID",
      value: b64,
      headers: { h: "/w==" },
    });
    const bad = await call(app, "POST", "/v1/topics/t/records", {
      encoding: "base64",
      records: [{ value: "not base64!" }],
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toContain("records[0].value");
  });

  it("partitions keyed records by murmur2, unkeyed ones stick together, explicit ones win", async () => {
    const { app } = await withTopic(6);
    const keys = Array.from({ length: 20 }, (_, i) => `key-${i}`);
    const keyed = await call(app, "POST", "/v1/topics/t/records", {
      records: keys.map((key) => ({ key, value: "v" })),
    });
    expect(keyed.body.offsets.map((o: { partition: number }) => o.partition)).toEqual(
      keys.map((k) => partitionForKey(text.encode(k), 6)),
    );
    const unkeyed = await call(app, "POST", "/v1/topics/t/records", {
      records: Array.from({ length: 10 }, () => ({ value: "u" })),
    });
    const stickies = new Set(unkeyed.body.offsets.map((o: { partition: number }) => o.partition));
    expect(stickies.size).toBe(1);
    const explicit = await call(app, "POST", "/v1/topics/t/records", {
      records: [{ key: "key-0", value: "x", partition: 5 }, { value: "y", partition: 3 }],
    });
    expect(explicit.body.offsets.map((o: { partition: number }) => o.partition)).toEqual([5, 3]);
    const missing = await call(app, "POST", "/v1/topics/t/records", {
      records: [{ value: "z", partition: 6 }],
    });
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe("UNKNOWN_TOPIC_OR_PARTITION");
  });

  it("sends one batch per partition with offsets assigned consecutively", async () => {
    const { app, broker } = await withTopic(2);
    await call(app, "POST", "/v1/topics/t/records", {
      records: [
        { value: "a", partition: 1 },
        { value: "b", partition: 0 },
        { value: "c", partition: 1 },
      ],
    });
    expect(broker.produceCalls.map((c) => c.partition).sort()).toEqual([0, 1]);
    const res = await call(app, "POST", "/v1/topics/t/records", {
      records: [
        { value: "d", partition: 1 },
        { value: "e", partition: 0 },
        { value: "f", partition: 1 },
      ],
    });
    expect(res.body.offsets).toEqual([
      { partition: 1, offset: 2 },
      { partition: 0, offset: 1 },
      { partition: 1, offset: 3 },
    ]);
  });

  it("maps acks and refuses unknown values", async () => {
    const { app, broker } = await withTopic(1);
    const zero = await call(app, "POST", "/v1/topics/t/records?acks=0", {
      records: [{ value: "a" }],
    });
    expect(zero.body.offsets).toEqual([{ partition: 0, offset: -1 }]);
    await call(app, "POST", "/v1/topics/t/records?acks=1", { records: [{ value: "a" }] });
    await call(app, "POST", "/v1/topics/t/records", { records: [{ value: "a" }] });
    await call(app, "POST", "/v1/topics/t/records?acks=-1", { records: [{ value: "a" }] });
    expect(broker.produceCalls.map((c) => c.acks)).toEqual([0, 1, -1, -1]);
    for (const acks of ["2", "yes", "constructor", "toString"]) {
      const res = await call(app, "POST", `/v1/topics/t/records?acks=${acks}`, {
        records: [{ value: "a" }],
      });
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe("INVALID_REQUIRED_ACKS");
    }
  });

  it("exchanges byte strings in CBOR", async () => {
    const { app } = await withTopic(1);
    const key = Uint8Array.from([1, 2, 3]);
    const value = Uint8Array.from([0xff, 0x00, 0x80]);
    const produced = await call(
      app,
      "POST",
      "/v1/topics/t/records",
      cbor({ records: [{ key, value, headers: { h: "v" }, timestamp: 5_000_000_000_000 }] }),
      { "content-type": "application/cbor", accept: "application/cbor" },
    );
    expect(produced.status).toBe(200);
    expect(produced.body.offsets).toEqual([{ partition: 0, offset: 0 }]);
    const fetched = await call(app, "GET", "/v1/topics/t/partitions/0/records", undefined, {
      accept: "application/cbor",
    });
    const record = fetched.body.records[0];
    expect(new Uint8Array(record.key)).toEqual(key);
    expect(new Uint8Array(record.value)).toEqual(value);
    expect(new Uint8Array(record.headers.h)).toEqual(text.encode("v"));
    // Integers of 2^32 and above travel as CBOR uint64 (a bigint to cbor-x's default decoder).
    expect(record.timestamp).toBe(5_000_000_000_000n);
    const asText = await call(
      app,
      "GET",
      "/v1/topics/t/partitions/0/records?encoding=base64",
      undefined,
      {
        accept: "application/cbor",
      },
    );
    expect(asText.body.records[0].key).toBe("AQID");
    const bytesInJson = await call(app, "GET", "/v1/topics/t/partitions/0/records?encoding=bytes");
    expect(bytesInJson.status).toBe(400);
  });

  it("reports offsets, earliest/latest and by timestamp", async () => {
    const { app } = await withTopic(1);
    await call(app, "POST", "/v1/topics/t/records", {
      records: [1000, 2000, 3000].map((timestamp) => ({ value: "x", timestamp })),
    });
    expect((await call(app, "GET", "/v1/topics/t/partitions/0/offsets")).body).toEqual({
      earliest: 0,
      latest: 3,
    });
    expect((await call(app, "GET", "/v1/topics/t/partitions/0/offsets?timestamp=1500")).body)
      .toEqual({ offset: 1 });
    expect((await call(app, "GET", "/v1/topics/t/partitions/0/offsets?timestamp=9999")).body)
      .toEqual({ offset: -1 });
    const bad = await call(app, "GET", "/v1/topics/t/partitions/0/offsets?timestamp=-5");
    expect(bad.status).toBe(400);
    expect((await call(app, "GET", "/v1/topics/t/partitions/9/offsets")).status).toBe(404);
  });

  it("caps by maxRecords and resumes from nextOffset inside a batch", async () => {
    const { app } = await withTopic(1);
    await call(app, "POST", "/v1/topics/t/records", {
      records: Array.from({ length: 10 }, (_, i) => ({ value: `v${i}` })),
    });
    const seen: string[] = [];
    let offset = 0;
    for (let round = 0; round < 10 && offset < 10; round++) {
      const page = await call(
        app,
        "GET",
        `/v1/topics/t/partitions/0/records?offset=${offset}&maxRecords=3`,
      );
      expect(page.body.records.length).toBeLessThanOrEqual(3);
      seen.push(...page.body.records.map((r: { value: string }) => r.value));
      offset = page.body.nextOffset;
    }
    expect(seen).toEqual(Array.from({ length: 10 }, (_, i) => `v${i}`));
    const atEnd = await call(app, "GET", "/v1/topics/t/partitions/0/records?offset=10");
    expect(atEnd.body).toEqual({ records: [], nextOffset: 10, highWatermark: 10 });
    const latest = await call(app, "GET", "/v1/topics/t/partitions/0/records?offset=latest");
    expect(latest.body.nextOffset).toBe(10);
  });

  it("wakes a waiting fetch when records are produced", async () => {
    const { app, broker } = await withTopic(1);
    const started = Date.now();
    const waiting = call(app, "GET", "/v1/topics/t/partitions/0/records?offset=0&timeoutMs=10000");
    await eventually(() => broker.waitingFetches === 1);
    await call(app, "POST", "/v1/topics/t/records", { records: [{ value: "late" }] });
    const res = await waiting;
    expect(res.body.records.map((r: { value: string }) => r.value)).toEqual(["late"]);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it("returns an empty page after timeoutMs when nothing arrives", async () => {
    const { app } = await withTopic(1);
    const started = Date.now();
    const res = await call(app, "GET", "/v1/topics/t/partitions/0/records?timeoutMs=100");
    expect(res.body).toEqual({ records: [], nextOffset: 0, highWatermark: 0 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(90);
  });
});
