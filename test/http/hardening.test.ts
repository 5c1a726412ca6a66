// The HTTP API's request hygiene: CORS for listed origins only, 405 with Allow, 415 for bodies
// that are not JSON/CBOR (or raw produce), Host checks against DNS rebinding, unknown query
// parameters refused, raw application/octet-stream produce, and unexpected errors logged.
import type { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { createLogger } from "../../src/logging/logger.ts";
import { FakeBroker } from "./fake-broker.ts";
import { BASE, call, makeApp } from "./helpers.ts";
import type { HttpAppOptions } from "../../src/http/app.ts";

const ORIGIN = "https://app.example.com";

async function setup(overrides: Partial<HttpAppOptions> = {}, partitions = 2) {
  const broker = new FakeBroker();
  const t = makeApp(broker, overrides);
  const created = await call(t.app, "POST", "/v1/topics", { name: "t", partitions }, {
    host: "localhost",
  });
  expect(created.status).toBe(201);
  return { broker, ...t };
}

function expectCode(
  res: { status: number; body: { error?: { code: string } } },
  status: number,
  code: string,
) {
  expect(res.status).toBe(status);
  expect(res.body.error?.code).toBe(code);
}

describe("CORS", () => {
  it("answers a preflight from a listed origin with methods, headers and max age", async () => {
    const t = await setup({ corsOrigins: [ORIGIN, "http://localhost:3000"] });
    const res = await t.app.request(`${BASE}/v1/topics/t/records`, {
      method: "OPTIONS",
      headers: {
        origin: ORIGIN,
        "access-control-request-method": "POST",
        "access-control-request-headers": "Content-Type, X-Trace",
      },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get("access-control-allow-origin")).toBe(ORIGIN);
    expect(res.headers.get("vary")).toBe("Origin");
    expect(res.headers.get("access-control-allow-methods")).toBe("POST, OPTIONS");
    expect(res.headers.get("access-control-allow-headers")).toBe("content-type, x-trace");
    expect(res.headers.get("access-control-max-age")).toBe("600");
  });

  it("gives an unlisted origin no CORS headers, on preflights and on requests", async () => {
    const t = await setup({ corsOrigins: [ORIGIN] });
    const preflight = await t.app.request(`${BASE}/v1/topics`, {
      method: "OPTIONS",
      headers: { origin: "https://evil.example", "access-control-request-method": "POST" },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get("access-control-allow-origin")).toBeNull();
    expect(preflight.headers.get("access-control-allow-methods")).toBeNull();
    expect(preflight.headers.get("allow")).toBe("GET, POST, HEAD, OPTIONS");
    const get = await call(t.app, "GET", "/v1/topics", undefined, {
      origin: "https://evil.example",
    });
    expect(get.status).toBe(200);
    expect(get.headers.get("access-control-allow-origin")).toBeNull();
    expect(get.headers.get("vary")).toBe("Origin"); // caches must not reuse it for a listed one
    // Without configured origins nothing is ever allowed, not even the same string.
    const none = await setup();
    const plain = await call(none.app, "GET", "/v1/topics", undefined, { origin: ORIGIN });
    expect(plain.headers.get("access-control-allow-origin")).toBeNull();
  });

  it("echoes a listed origin on successes, errors and SSE streams", async () => {
    const t = await setup({ corsOrigins: [ORIGIN] });
    const ok = await call(t.app, "GET", "/v1/topics", undefined, { origin: ORIGIN });
    expect(ok.headers.get("access-control-allow-origin")).toBe(ORIGIN);
    expect(ok.headers.get("vary")).toBe("Origin");
    const missing = await call(t.app, "GET", "/v1/topics/nope", undefined, { origin: ORIGIN });
    expectCode(missing, 404, "UNKNOWN_TOPIC_OR_PARTITION");
    expect(missing.headers.get("access-control-allow-origin")).toBe(ORIGIN);
    const unsupported = await call(t.app, "POST", "/v1/topics", "x", {
      origin: ORIGIN,
      "content-type": "text/plain",
    });
    expectCode(unsupported, 415, "UNSUPPORTED_MEDIA_TYPE");
    expect(unsupported.headers.get("access-control-allow-origin")).toBe(ORIGIN);
    const controller = new AbortController();
    const sse = await t.app.request(`${BASE}/v1/topics/t/partitions/0/stream`, {
      headers: { origin: ORIGIN },
      signal: controller.signal,
    });
    expect(sse.headers.get("content-type")).toContain("text/event-stream");
    expect(sse.headers.get("access-control-allow-origin")).toBe(ORIGIN);
    controller.abort();
    await sse.body?.cancel();
  });

  it("allows every origin only when configured as *", async () => {
    const t = await setup({ corsOrigins: ["*"] });
    const res = await call(t.app, "GET", "/v1/topics", undefined, {
      origin: "https://any.example",
    });
    expect(res.headers.get("access-control-allow-origin")).toBe("*");
  });

  it("refuses a configured origin that is not scheme://host[:port]", () => {
    for (const bad of ["app.example.com", "https://app.example.com/path", "ftp//x"]) {
      expect(() => makeApp(new FakeBroker(), { corsOrigins: [bad] }), bad).toThrow(
        /http\.cors\.origins/,
      );
    }
  });
});

describe("methods", () => {
  it("answers 405 with the route's methods in Allow", async () => {
    const t = await setup();
    const cases: [string, string, string][] = [
      ["PUT", "/v1/topics", "GET, POST, HEAD, OPTIONS"],
      ["POST", "/v1/topics/t", "GET, DELETE, HEAD, OPTIONS"],
      ["DELETE", "/v1/topics/t/partitions/0/records", "POST, GET, HEAD, OPTIONS"],
      ["GET", "/v1/topics/t/records", "POST, OPTIONS"],
      ["PATCH", "/v1/health", "GET, HEAD, OPTIONS"],
    ];
    for (const [method, path, allow] of cases) {
      const res = await call(t.app, method, path);
      expectCode(res, 405, "METHOD_NOT_ALLOWED");
      expect(res.headers.get("allow"), `${method} ${path}`).toBe(allow);
    }
    expectCode(await call(t.app, "PUT", "/v1/nothing"), 404, "NOT_FOUND");
  });
});

describe("content types", () => {
  const bodies: [string, string | undefined][] = [
    ["text/plain", "text/plain;charset=UTF-8"],
    ["form", "application/x-www-form-urlencoded"],
    ["multipart", "multipart/form-data; boundary=x"],
    ["absent", undefined],
  ];
  for (const [what, type] of bodies) {
    it(`refuses a ${what} body with 415 naming the accepted types`, async () => {
      const t = await setup();
      const body = JSON.stringify({ records: [{ value: "csrf" }] });
      const headers: Record<string, string> = { "content-length": String(body.length) };
      if (type !== undefined) headers["content-type"] = type;
      const res = await t.app.request(`${BASE}/v1/topics/t/records`, {
        method: "POST",
        body,
        headers,
      });
      expect(res.status).toBe(415);
      const error = (await res.json()).error;
      expect(error.code).toBe("UNSUPPORTED_MEDIA_TYPE");
      expect(error.message).toContain("application/json");
      expect(error.message).toContain("application/cbor");
      expect(error.message).toContain("application/octet-stream");
      const topics = await call(t.app, "POST", "/v1/topics", JSON.stringify({ name: "u" }), {
        "content-type": type ?? "",
      });
      expectCode(topics, 415, "UNSUPPORTED_MEDIA_TYPE");
      expect(t.broker.listTopics().map((x) => x.name)).toEqual(["t"]);
      const fetched = await call(t.app, "GET", "/v1/topics/t/partitions/0/offsets");
      expect(fetched.body).toEqual({ earliest: 0, latest: 0 });
    });
  }

  it("refuses a body of unknown length without a Content-Type when it is read", async () => {
    const t = await setup();
    // app.request sends no Content-Length for a string body: only the body read can tell.
    const res = await t.app.request(`${BASE}/v1/topics`, {
      method: "POST",
      body: JSON.stringify({ name: "u" }),
    });
    expect(res.status).toBe(415);
    expect(t.broker.listTopics().map((x) => x.name)).toEqual(["t"]);
  });

  it("needs no Content-Type on requests without a body", async () => {
    const t = await setup();
    expect((await t.app.request(`${BASE}/v1/topics/t`)).status).toBe(200);
    const del = await t.app.request(`${BASE}/v1/topics/t`, { method: "DELETE" });
    expect(del.status).toBe(204);
  });

  it("takes application/octet-stream only on the produce routes", async () => {
    const t = await setup();
    const res = await call(t.app, "POST", "/v1/topics", new Uint8Array([1]), {
      "content-type": "application/octet-stream",
    });
    expectCode(res, 415, "UNSUPPORTED_MEDIA_TYPE");
    expect(res.body.error.message).toContain(
      "needs Content-Type application/json or application/cbor, got",
    );
  });
});

describe("Host checks", () => {
  const request = (t: { app: Hono }, host: string) =>
    call(t.app, "GET", "/v1/topics", undefined, { host });

  it("serves only loopback names while bound to a loopback address", async () => {
    const t = await setup({ listenHost: "127.0.0.1" });
    for (
      const host of ["localhost:8080", "127.0.0.1:8080", "127.1.2.3", "[::1]:8080", "app.localhost"]
    ) {
      expect((await request(t, host)).status, host).toBe(200);
    }
    for (
      const host of ["evil.example", "evil.example:8080", "127.0.0.1.evil.example", "10.0.0.1"]
    ) {
      const res = await request(t, host);
      expectCode(res, 421, "HOST_NOT_ALLOWED");
      expect(res.body.error.message).toContain("http.allowed.hosts");
    }
    expect(t.broker.listTopics().map((x) => x.name)).toEqual(["t"]);
  });

  it("widens the loopback rule with allowedHosts", async () => {
    const t = await setup({
      listenHost: "::1",
      allowedHosts: ["broker.internal", "*.dev.example"],
    });
    expect((await request(t, "broker.internal:8080")).status).toBe(200);
    const withPort = await setup({ listenHost: "127.0.0.1", allowedHosts: ["proxy.lan:443"] });
    expect((await request(withPort, "proxy.lan")).status).toBe(200);
    expect((await request(t, "a.dev.example")).status).toBe(200);
    expect((await request(t, "[::1]:9")).status).toBe(200);
    expect((await request(t, "dev.example")).status).toBe(421);
  });

  it("serves any Host on other interfaces unless the list is set", async () => {
    const open = await setup({ listenHost: "0.0.0.0" });
    expect((await request(open, "broker.example.net")).status).toBe(200);
    const listed = await setup({ listenHost: "0.0.0.0", allowedHosts: ["broker.example.net"] });
    expect((await request(listed, "broker.example.net")).status).toBe(200);
    expect((await request(listed, "other.example.net")).status).toBe(421);
  });
});

describe("query parameters", () => {
  it("refuses unknown parameters on every route, naming them", async () => {
    const t = await setup();
    const cases: [string, string, unknown?][] = [
      ["GET", "/v1/health?verbose=1"],
      ["GET", "/v1/topics?limit=5"],
      ["GET", "/v1/topics/t?x=1"],
      ["GET", "/v1/topics/t/partitions/0/records?offset=0&timeout=5000"],
      ["GET", "/v1/topics/t/partitions/0/offsets?time=1"],
      ["GET", "/v1/topics/t/partitions/0/stream?ofset=1"],
      ["POST", "/v1/topics/t/records?ack=1", { records: [{ value: "v" }] }],
      ["GET", "/v1/groups?state=x"],
      ["GET", "/metrics?format=x"],
    ];
    for (const [method, path, body] of cases) {
      const res = await call(t.app, method, path, body);
      expectCode(res, 400, "INVALID_REQUEST");
      const name = [...new URL(path, BASE).searchParams.keys()].at(-1)!;
      expect(res.body.error.message, path).toContain(`unknown query parameter "${name}"`);
    }
    const fetched = await call(t.app, "GET", "/v1/topics/t/partitions/0/offsets");
    expect(fetched.body).toEqual({ earliest: 0, latest: 0 });
    const known = await call(
      t.app,
      "GET",
      "/v1/topics/t/partitions/0/records?offset=0&maxRecords=1",
    );
    expect(known.status).toBe(200);
  });

  it("refuses raw-record parameters with a JSON body", async () => {
    const t = await setup();
    const res = await call(t.app, "POST", "/v1/topics/t/records?key=k", {
      records: [{ value: "v" }],
    });
    expectCode(res, 400, "INVALID_REQUEST");
    expect(res.body.error.message).toContain("octet-stream");
  });
});

describe("application/octet-stream produce", () => {
  const raw = { "content-type": "application/octet-stream" };

  it("produces the body as one record's value, key and headers from the query", async () => {
    const t = await setup({}, 3);
    const value = new Uint8Array([0, 255, 1, 254, 10]);
    const res = await call(
      t.app,
      "POST",
      "/v1/topics/t/partitions/2/records?key=caf%C3%A9&header=source:web&header=trace:a:b&timestamp=1700000000000&acks=1",
      value,
      raw,
    );
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ offsets: [{ partition: 2, offset: 0 }] });
    const fetched = await call(
      t.app,
      "GET",
      "/v1/topics/t/partitions/2/records?encoding=base64",
    );
    expect(fetched.body.records).toEqual([{
      offset: 0,
      timestamp: 1_700_000_000_000,
      key: "Y2Fmw6k=", // UTF-8 "café"
      value: "AP8B/go=",
      headers: { source: "d2Vi", trace: "YTpi" }, // "web", "a:b": split at the first colon
    }]);
    const asText = await call(t.app, "GET", "/v1/topics/t/partitions/2/records");
    expect(asText.body.records[0].key).toBe("café");
  });

  it("routes by key on the topic route, takes base64 keys and empty bodies", async () => {
    const t = await setup({}, 3);
    const res = await call(
      t.app,
      "POST",
      "/v1/topics/t/records?key=AAEC&encoding=base64",
      new Uint8Array(0),
      raw,
    );
    expect(res.status).toBe(200);
    const { partition } = res.body.offsets[0];
    const fetched = await call(
      t.app,
      "GET",
      `/v1/topics/t/partitions/${partition}/records?encoding=base64`,
    );
    expect(fetched.body.records[0]).toMatchObject({ key: "AAEC", value: "", headers: {} });
  });

  it("refuses a malformed header parameter and an unknown partition", async () => {
    const t = await setup();
    const bad = await call(
      t.app,
      "POST",
      "/v1/topics/t/records?header=nocolon",
      new Uint8Array([1]),
      raw,
    );
    expectCode(bad, 400, "INVALID_REQUEST");
    const nowhere = await call(
      t.app,
      "POST",
      "/v1/topics/t/partitions/9/records",
      new Uint8Array([1]),
      raw,
    );
    expectCode(nowhere, 404, "UNKNOWN_TOPIC_OR_PARTITION");
  });

  it("takes JSON bodies on the partition route too, all records to that partition", async () => {
    const t = await setup({}, 3);
    const res = await call(t.app, "POST", "/v1/topics/t/partitions/1/records", {
      records: [{ key: "a", value: "1" }, { value: "2", partition: 1 }],
    });
    expect(res.body).toEqual({
      offsets: [{ partition: 1, offset: 0 }, { partition: 1, offset: 1 }],
    });
    const conflict = await call(t.app, "POST", "/v1/topics/t/partitions/1/records", {
      records: [{ value: "3", partition: 0 }],
    });
    expectCode(conflict, 400, "INVALID_REQUEST");
  });
});

describe("unexpected errors", () => {
  it("are logged through the logger when no onUnexpectedError is given", async () => {
    const lines: string[] = [];
    const logger = createLogger({ write: (l) => lines.push(l), format: "json", nowMs: () => 0 });
    const t = await setup({ logger, onUnexpectedError: undefined });
    t.broker.failWith = new Error("disk on fire");
    const res = await call(t.app, "GET", "/v1/topics");
    expectCode(res, 500, "UNKNOWN_SERVER_ERROR");
    expect(lines).toHaveLength(1);
    const line = JSON.parse(lines[0]);
    expect(line).toMatchObject({
      level: "error",
      event: "http.unexpected_error",
      method: "GET",
      path: "/v1/topics",
    });
    expect(line.error).toContain("disk on fire");
  });
});
