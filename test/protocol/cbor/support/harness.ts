// Starts a protocol server on 127.0.0.1:0 over the real Node runtime, with a FakeBroker (or a
// given BrokerApi), and offers clients and raw connections for tests. Everything is closed by
// stop(), which tests call in afterEach.

import type { Connection, Runtime } from "../../../../runtime/types.ts";
import { createNodeRuntime } from "../../../../runtime/node/mod.ts";
import type { BrokerApi } from "../../../../src/broker/types.ts";
import { MetricsRegistry } from "../../../../src/metrics/registry.ts";
import {
  ProtocolClient,
  type ProtocolClientOptions,
} from "../../../../src/protocol/cbor/client.ts";
import { decodeResponse, type ResponseEnvelope } from "../../../../src/protocol/cbor/envelope.ts";
import { FrameDecoder } from "../../../../src/protocol/cbor/frame.ts";
import {
  type ProtocolServer,
  type ProtocolServerOptions,
  serveProtocol,
} from "../../../../src/protocol/cbor/server/server.ts";
import { FakeBroker, type FakeBrokerOptions } from "./fake-broker.ts";

export { batchOf, concatBytes } from "./batch.ts";

export interface Harness {
  rt: Runtime;
  broker: FakeBroker;
  server: ProtocolServer;
  metrics: MetricsRegistry;
  client(options?: Partial<ProtocolClientOptions>): Promise<ProtocolClient>;
  raw(): Promise<RawConnection>;
  stop(): Promise<void>;
}

export async function startHarness(
  brokerOptions: FakeBrokerOptions = {},
  serverOptions: Partial<ProtocolServerOptions> = {},
  broker?: BrokerApi,
): Promise<Harness> {
  const rt = createNodeRuntime();
  const fake = new FakeBroker(brokerOptions);
  const metrics = new MetricsRegistry();
  const server = await serveProtocol(rt, broker ?? fake, {
    host: "127.0.0.1",
    port: 0,
    version: "test-1.0",
    metrics,
    closeWaitMsMax: 2_000,
    ...serverOptions,
  });
  const clients: ProtocolClient[] = [];
  const raws: RawConnection[] = [];
  return {
    rt,
    broker: fake,
    server,
    metrics,
    async client(options = {}) {
      const c = await ProtocolClient.connect(rt, {
        host: "127.0.0.1",
        port: server.port,
        requestTimeoutMs: 10_000,
        ...options,
      });
      clients.push(c);
      return c;
    },
    async raw() {
      const conn = await rt.net.connect({ host: "127.0.0.1", port: server.port, timeoutMs: 5_000 });
      const r = new RawConnection(conn);
      raws.push(r);
      return r;
    },
    async stop() {
      await Promise.all(clients.map((c) => c.close()));
      await Promise.all(raws.map((r) => r.conn.close()));
      await server.close();
    },
  };
}

/** A socket speaking bytes, for sending what a well-behaved client never would. */
export class RawConnection {
  readonly conn: Connection;
  readonly #decoder = new FrameDecoder();
  readonly #responses: ResponseEnvelope[] = [];
  #ended = false;

  constructor(conn: Connection) {
    this.conn = conn;
  }

  send(bytes: Uint8Array): Promise<void> {
    return this.conn.write(bytes);
  }

  /** The next response, or null once the server closed the connection. Bounded by deadlineMs. */
  async next(deadlineMs = 5_000): Promise<ResponseEnvelope | null> {
    const giveUpAt = Date.now() + deadlineMs;
    while (this.#responses.length === 0 && !this.#ended) {
      const remaining = giveUpAt - Date.now();
      if (remaining <= 0) throw new Error(`no response within ${deadlineMs} ms`);
      const chunk = await Promise.race([
        this.conn.read(),
        new Promise<"timeout">((resolve) => setTimeout(() => resolve("timeout"), remaining)),
      ]);
      if (chunk === "timeout") continue;
      if (chunk === null) this.#ended = true;
      else {for (const payload of this.#decoder.push(chunk)) {
          this.#responses.push(decodeResponse(payload));
        }}
    }
    return this.#responses.shift() ?? null;
  }

  /** True once the server closed the connection (within deadlineMs), after draining responses. */
  async closedByServer(deadlineMs = 5_000): Promise<boolean> {
    for (let i = 0; i < 1_000; i++) {
      if ((await this.next(deadlineMs)) === null) return true;
    }
    return false;
  }
}

export { eventually } from "../../../support/eventually.ts";
