// HTTP in the simulation, without sockets: serve() registers a fetch handler on a node's port
// and SimHttp.fetch() dispatches a Request to it after a network latency each way. The port is
// reserved on the simulated network too, so HTTP and TCP listeners collide as on a real host.
// Partitions make requests fail ETIMEDOUT after their timeout; a crashed node's servers vanish.
// close() stops accepting and resolves once the requests it had accepted are answered.
// ServeOptions' connection limits (idleTimeoutMs, headersTimeoutMs, connectionsMax) are about
// sockets, which simulated HTTP does not have: requests arrive whole, so they do not apply here.

import { type HttpServer, type HttpServing, RuntimeIoError, type ServeOptions } from "../types.ts";
import type { SimNetwork } from "./network.ts";
import type { SimScheduler } from "./scheduler.ts";

interface Served {
  readonly node: string;
  readonly port: number;
  readonly options: ServeOptions;
  /** Requests being handled; close() waits for them. */
  inFlight: number;
  drained: Array<() => void>;
  /** Its node crashed: in-flight requests get no reply. */
  crashed: boolean;
}

export interface SimFetchOptions {
  /** Node the request comes from (default: a client outside the cluster, never partitioned). */
  from?: string;
  /** Deadline for the whole exchange in virtual ms (default 30 s). */
  timeoutMs?: number;
}

const FETCH_TIMEOUT_MS_DEFAULT = 30_000;

export class SimHttp {
  readonly #net: SimNetwork;
  readonly #scheduler: SimScheduler;
  readonly #servers = new Map<string, Served>();

  constructor(net: SimNetwork, scheduler: SimScheduler) {
    this.#net = net;
    this.#scheduler = scheduler;
  }

  /** The HttpServing a process on node sees. */
  forNode(node: string): HttpServing {
    return { serve: (options) => this.#serve(node, options) };
  }

  /** Sends request to node's server on port; resolves with its Response. */
  async fetch(
    node: string,
    port: number,
    request: Request,
    options: SimFetchOptions = {},
  ): Promise<Response> {
    const from = options.from ?? "";
    const timeoutMs = options.timeoutMs ?? FETCH_TIMEOUT_MS_DEFAULT;
    const where = `${request.method} ${request.url} on ${node}:${port}`;
    if (from !== "" && this.#net.isPartitioned(from, node)) {
      await this.#wait(from, timeoutMs);
      throw new RuntimeIoError("ETIMEDOUT", `${where}: no answer (partitioned)`);
    }
    await this.#wait(from, this.#net.sampleLatencyMs());
    const served = this.#servers.get(`${node}:${port}`);
    if (served === undefined) throw new RuntimeIoError("ECONNREFUSED", `${where}: nobody serving`);
    served.inFlight++;
    try {
      const response = await handle(served.options, request);
      await this.#wait(node, this.#net.sampleLatencyMs());
      // A crashed host sends no reply; a closed server still answers what it had accepted.
      if (served.crashed) throw new RuntimeIoError("ECONNRESET", `${where}: server crashed`);
      return response;
    } finally {
      if (--served.inFlight === 0) { for (const wake of served.drained.splice(0)) wake(); }
    }
  }

  /** Forgets node's servers (its host crashed). */
  crashNode(node: string): void {
    for (const [key, served] of this.#servers) {
      if (served.node !== node) continue;
      served.crashed = true;
      this.#servers.delete(key);
    }
  }

  async #serve(node: string, options: ServeOptions): Promise<HttpServer> {
    // Reserve the port; raw TCP connections to an HTTP port are closed at once.
    const listener = await this.#net.forNode(node).listen({
      host: options.host,
      port: options.port,
    }, (conn) => {
      void conn.close();
    });
    const served: Served = {
      node,
      port: listener.port,
      options,
      inFlight: 0,
      drained: [],
      crashed: false,
    };
    const key = `${node}:${listener.port}`;
    this.#servers.set(key, served);
    return {
      host: options.host,
      port: listener.port,
      close: async () => {
        if (this.#servers.get(key) === served) this.#servers.delete(key);
        await listener.close();
        if (served.inFlight > 0) await new Promise<void>((resolve) => served.drained.push(resolve));
      },
    };
  }

  #wait(owner: string, delayMs: number): Promise<void> {
    return new Promise((resolve) => this.#scheduler.schedule(owner, delayMs, resolve));
  }
}

/** Runs the handler; a throwing handler becomes a 500, as the real adapters answer. */
async function handle(options: ServeOptions, request: Request): Promise<Response> {
  try {
    return await options.fetch(request);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    return new Response(`internal error: ${message}`, { status: 500 });
  }
}
