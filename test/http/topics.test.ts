import { describe, expect, it } from "vitest";
import { FakeBroker } from "./fake-broker.ts";
import { call, cbor, makeApp } from "./helpers.ts";

describe("HTTP health and topics", () => {
  it("reports health", async () => {
    const { app } = makeApp(new FakeBroker());
    const res = await call(app, "GET", "/v1/health");
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: "ok", nodeId: 1, runtime: "node", version: "0.1.0-test" });
    expect(res.headers.get("content-type")).toBe("application/json; charset=utf-8");
  });

  it("creates, lists, describes and deletes a topic", async () => {
    const { app } = makeApp(new FakeBroker());
    const created = await call(app, "POST", "/v1/topics", {
      name: "orders",
      partitions: 3,
      configs: { "retention.ms": 60000 },
    });
    expect(created.status).toBe(201);
    expect(created.body.name).toBe("orders");
    expect(created.body.configs).toEqual({ "retention.ms": "60000" });
    expect(created.body.partitions).toHaveLength(3);
    expect(created.body.partitions[2]).toEqual({
      partition: 2,
      leader: 1,
      replicas: [1],
      isr: [1],
      logStartOffset: 0,
      highWatermark: 0,
    });

    const listed = await call(app, "GET", "/v1/topics");
    expect(listed.body).toEqual({
      topics: [{ name: "orders", partitions: 3, replicationFactor: 1 }],
    });

    const described = await call(app, "GET", "/v1/topics/orders");
    expect(described.status).toBe(200);
    expect(described.body).toEqual(created.body);

    const deleted = await call(app, "DELETE", "/v1/topics/orders");
    expect(deleted.status).toBe(204);
    expect(deleted.body).toBe("");
    const gone = await call(app, "GET", "/v1/topics/orders");
    expect(gone.status).toBe(404);
    expect(gone.body.error.code).toBe("UNKNOWN_TOPIC_OR_PARTITION");
    expect((await call(app, "DELETE", "/v1/topics/orders")).status).toBe(404);
  });

  it("answers 409 for a duplicate and 400 for bad names and fields", async () => {
    const { app } = makeApp(new FakeBroker());
    expect((await call(app, "POST", "/v1/topics", { name: "t" })).status).toBe(201);
    const dup = await call(app, "POST", "/v1/topics", { name: "t" });
    expect(dup.status).toBe(409);
    expect(dup.body).toEqual({
      error: { code: "TOPIC_ALREADY_EXISTS", message: expect.any(String) },
    });

    for (const name of ["..", "bad name", "x".repeat(250), "", 12]) {
      const res = await call(app, "POST", "/v1/topics", { name });
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe("INVALID_TOPIC_EXCEPTION");
    }
    const cases: Array<[unknown, string]> = [
      [{ name: "a", partitions: "3" }, "partitions"],
      [{ name: "a", partitions: 1.5 }, "partitions"],
      [{ name: "a", partitions: 0 }, "partitions"],
      [{ name: "a", replicationFactor: -1 }, "replicationFactor"],
      [{ name: "a", configs: [] }, "configs"],
      [{ name: "a", configs: { "retention.ms": { n: 1 } } }, "configs.retention.ms"],
      [{ name: "a", partition: 3 }, "partition"],
      [[1, 2], "body"],
    ];
    for (const [body, field] of cases) {
      const res = await call(app, "POST", "/v1/topics", body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error.code).toBe("INVALID_REQUEST");
      expect(res.body.error.message).toContain(field);
    }
    expect((await call(app, "POST", "/v1/topics", { name: "a" })).status).toBe(201);
  });

  it("speaks CBOR both ways when asked", async () => {
    const { app } = makeApp(new FakeBroker());
    const created = await call(app, "POST", "/v1/topics", cbor({ name: "c", partitions: 2 }), {
      "content-type": "application/cbor",
      accept: "application/cbor",
    });
    expect(created.status).toBe(201);
    expect(created.headers.get("content-type")).toBe("application/cbor");
    expect(created.body.partitions).toHaveLength(2);

    const err = await call(app, "GET", "/v1/topics/nope", undefined, {
      accept: "application/cbor",
    });
    expect(err.status).toBe(404);
    expect(err.headers.get("content-type")).toBe("application/cbor");
    expect(err.body.error.code).toBe("UNKNOWN_TOPIC_OR_PARTITION");

    // JSON wins ties and */*; CBOR only when ranked above JSON.
    const tie = await call(app, "GET", "/v1/topics", undefined, {
      accept: "application/json, application/cbor",
    });
    expect(tie.headers.get("content-type")).toContain("application/json");
    const ranked = await call(app, "GET", "/v1/topics", undefined, {
      accept: "application/json;q=0.5, application/cbor",
    });
    expect(ranked.headers.get("content-type")).toBe("application/cbor");
  });
});
