// Shared setup for the HTTP API tests: an app over a BrokerApi, and request helpers.
import { decode } from "cbor-x/decode";
import { encode } from "cbor-x/encode";
import type { Hono } from "hono";
import { createHostClock } from "../../runtime/host/clock.ts";
import { SeededRandom } from "../../runtime/sim/prng.ts";
import type { BrokerApi } from "../../src/broker/types.ts";
import { createHttpApp } from "../../src/http/app.ts";
import type { HttpAppOptions, HttpClusterOptions } from "../../src/http/app.ts";
import { MetricsRegistry } from "../../src/metrics/registry.ts";

export interface TestApp {
  app: Hono;
  metrics: MetricsRegistry;
  unexpected: unknown[];
}

export function makeApp(
  broker: BrokerApi,
  overrides: Partial<HttpAppOptions> & HttpClusterOptions = {},
): TestApp {
  const metrics = new MetricsRegistry();
  const unexpected: unknown[] = [];
  const app = createHttpApp(broker, {
    runtimeName: "node",
    version: "0.1.0-test",
    nodeId: 1,
    metrics,
    random: new SeededRandom(7),
    clock: createHostClock(),
    onUnexpectedError: (err) => unexpected.push(err),
    ...overrides,
  });
  return { app, metrics, unexpected };
}

export const BASE = "http://tributary.test";

export async function call(
  app: Hono,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
  // deno-lint-ignore no-explicit-any -- response bodies are checked field by field
): Promise<{ status: number; body: any; headers: Headers }> {
  const init: RequestInit = { method, headers: { ...headers } };
  if (body !== undefined) {
    init.body = typeof body === "string" || body instanceof Uint8Array
      ? (body as BodyInit)
      : JSON.stringify(body);
    (init.headers as Record<string, string>)["content-type"] ??= "application/json";
  }
  const res = await app.request(`${BASE}${path}`, init);
  const type = res.headers.get("content-type") ?? "";
  let parsed: unknown = undefined;
  if (type.startsWith("application/cbor")) parsed = decode(new Uint8Array(await res.arrayBuffer()));
  else if (type.startsWith("application/json")) parsed = await res.json();
  else parsed = await res.text();
  return { status: res.status, body: parsed, headers: res.headers };
}

export function cbor(value: unknown): Uint8Array {
  return encode(value);
}

export const text = new TextEncoder();
