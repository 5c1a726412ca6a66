import { describe, expect, it } from "vitest";
import { FakeBroker } from "./fake-broker.ts";
import { call, makeApp } from "./helpers.ts";

describe("HTTP /metrics", () => {
  it("renders request latency by route pattern, method and status class, and open connections", async () => {
    let connections = 3;
    const { app, metrics } = makeApp(new FakeBroker(), { openConnections: () => connections });
    metrics.counter("tributary_produce_records_total", "Records produced.").inc(undefined, 7);
    await call(app, "POST", "/v1/topics", { name: "t" });
    await call(app, "GET", "/v1/topics/t");
    await call(app, "GET", "/v1/topics/t");
    await call(app, "GET", "/v1/topics/missing");
    await call(app, "GET", "/v1/no/such/route");
    connections = 5;

    const res = await app.request("http://x/metrics");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/plain; version=0.0.4");
    const body = await res.text();
    const series = "tributary_http_request_duration_seconds";
    expect(body).toContain(`# TYPE ${series} histogram`);
    expect(body).toContain(`${series}_count{route="/v1/topics",method="POST",status="2xx"} 1`);
    expect(body).toContain(
      `${series}_count{route="/v1/topics/:topic",method="GET",status="2xx"} 2`,
    );
    expect(body).toContain(
      `${series}_count{route="/v1/topics/:topic",method="GET",status="4xx"} 1`,
    );
    expect(body).toContain(`${series}_count{route="unmatched",method="GET",status="4xx"} 1`);
    expect(body).toMatch(
      new RegExp(
        `${series}_bucket\\{route="/v1/topics",method="POST",status="2xx",le="\\+Inf"\\} 1`,
      ),
    );
    expect(body).not.toContain('/v1/topics/t"');
    expect(body).not.toContain("/v1/no/such/route");
    expect(body).toContain('tributary_open_connections{protocol="http"} 5');
    expect(body).toContain("tributary_produce_records_total 7");
  });
});
