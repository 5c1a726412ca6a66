// The HTTP API's request hygiene against real broker processes under node, deno and bun, over a
// real socket (node:http, so the Host header is exactly what the test says): 415 for text/plain,
// CORS preflights for listed and unlisted origins, Host refusal on a loopback bind, 405 with
// Allow, and application/octet-stream produce. E2E_HTTP_HOSTS narrows the hosts.
import { request as httpRequest } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type BrokerProcess,
  hosts,
  makeTempDir,
  requireHost,
  selectedHosts,
  startBrokerProcess,
} from "./broker-process.ts";

const selected = selectedHosts("E2E_HTTP_HOSTS");
const ORIGIN = "https://app.example";
const REQUEST_TIMEOUT_MS = 10_000;

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

function send(
  url: string,
  method: string,
  headers: Record<string, string> = {},
  body?: Uint8Array | string,
): Promise<Reply> {
  const target = new URL(url);
  return new Promise((resolve, reject) => {
    const req = httpRequest({
      host: target.hostname,
      port: target.port,
      path: `${target.pathname}${target.search}`,
      method,
      headers: body === undefined
        ? headers
        : { "content-length": String(Buffer.byteLength(body)), ...headers },
      timeout: REQUEST_TIMEOUT_MS,
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on(
        "end",
        () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks),
          }),
      );
      res.on("error", reject);
    });
    req.on("timeout", () => req.destroy(new Error(`${method} ${url} timed out`)));
    req.on("error", reject);
    req.end(body);
  });
}

const json = (r: Reply) => JSON.parse(r.body.toString("utf8"));

for (const host of selected) {
  requireHost(host);
  describe(`HTTP request hygiene under ${host}`, () => {
    const dir = makeTempDir(`tributary-http-${host}-`);
    let broker: BrokerProcess | null = null;
    let base = "";
    let port = "";

    beforeAll(async () => {
      broker = await startBrokerProcess(host, {
        dataDir: dir.path,
        extraArgs: ["--http-cors-origins", ORIGIN, "--http-allowed-hosts", "broker.lan"],
      });
      base = broker.httpUrl;
      port = new URL(base).port;
      const created = await send(
        `${base}/v1/topics`,
        "POST",
        { "content-type": "application/json" },
        JSON.stringify({ name: "t", partitions: 1 }),
      );
      expect(created.status).toBe(201);
    }, 60_000);
    afterAll(async () => {
      await broker?.stop();
      dir.remove();
    });

    it("refuses a text/plain produce with 415 and writes nothing", async () => {
      const res = await send(
        `${base}/v1/topics/t/records`,
        "POST",
        { "content-type": "text/plain;charset=UTF-8", origin: "https://evil.example" },
        JSON.stringify({ records: [{ value: "csrf" }] }),
      );
      expect(res.status).toBe(415);
      expect(json(res).error.code).toBe("UNSUPPORTED_MEDIA_TYPE");
      expect(res.headers["access-control-allow-origin"]).toBeUndefined();
      const offsets = await send(`${base}/v1/topics/t/partitions/0/offsets`, "GET");
      expect(json(offsets)).toEqual({ earliest: 0, latest: 0 });
    });

    it("answers a listed origin's preflight and gives an unlisted one no CORS headers", async () => {
      const preflight = (origin: string) =>
        send(`${base}/v1/topics/t/records`, "OPTIONS", {
          origin,
          "access-control-request-method": "POST",
          "access-control-request-headers": "content-type",
        });
      const allowed = await preflight(ORIGIN);
      expect(allowed.status).toBe(204);
      expect(allowed.headers["access-control-allow-origin"]).toBe(ORIGIN);
      expect(allowed.headers["access-control-allow-methods"]).toBe("POST, OPTIONS");
      expect(allowed.headers["access-control-allow-headers"]).toBe("content-type");
      expect(allowed.headers["access-control-max-age"]).toBe("600");
      expect(allowed.headers.vary).toBe("Origin");
      const denied = await preflight("https://evil.example");
      expect(denied.headers["access-control-allow-origin"]).toBeUndefined();
      expect(denied.headers["access-control-allow-methods"]).toBeUndefined();
      const error = await send(`${base}/v1/topics/nope`, "GET", { origin: ORIGIN });
      expect(error.status).toBe(404);
      expect(error.headers["access-control-allow-origin"]).toBe(ORIGIN);
    });

    it("refuses a Host that is not loopback or listed (DNS rebinding)", async () => {
      const refused = await send(`${base}/v1/topics`, "GET", { host: `evil.example:${port}` });
      expect(refused.status).toBe(421);
      expect(json(refused).error.code).toBe("HOST_NOT_ALLOWED");
      for (const name of [`localhost:${port}`, `127.0.0.1:${port}`, `broker.lan:${port}`]) {
        expect((await send(`${base}/v1/topics`, "GET", { host: name })).status, name).toBe(200);
      }
    });

    it("answers a wrong method with 405 and Allow", async () => {
      const res = await send(`${base}/v1/topics`, "PUT");
      expect(res.status).toBe(405);
      expect(res.headers.allow).toBe("GET, POST, HEAD, OPTIONS");
      expect(json(res).error.code).toBe("METHOD_NOT_ALLOWED");
    });

    it("produces an application/octet-stream body as one record", async () => {
      const value = new Uint8Array([0, 1, 2, 253, 254, 255]);
      const res = await send(
        `${base}/v1/topics/t/partitions/0/records?key=k%C3%A9&header=source:curl`,
        "POST",
        { "content-type": "application/octet-stream" },
        value,
      );
      expect(res.status).toBe(200);
      const { offsets } = json(res);
      expect(offsets).toHaveLength(1);
      expect(offsets[0].partition).toBe(0);
      const fetched = await send(
        `${base}/v1/topics/t/partitions/0/records?offset=${offsets[0].offset}&encoding=base64`,
        "GET",
      );
      const [record] = json(fetched).records;
      expect(Buffer.from(record.value, "base64")).toEqual(Buffer.from(value));
      expect(Buffer.from(record.key, "base64").toString("utf8")).toBe("ké");
      expect(Buffer.from(record.headers.source, "base64").toString("utf8")).toBe("curl");
    });

    it("refuses an unknown query parameter, naming it", async () => {
      const res = await send(`${base}/v1/topics/t/partitions/0/records?timeout=100`, "GET");
      expect(res.status).toBe(400);
      expect(json(res).error.message).toContain('"timeout"');
    });
  });
}
