// The client side's view of the cluster: one protocol connection per broker (opened lazily,
// dropped and reopened after a network failure) and a metadata cache that says how many
// partitions a topic has and which broker leads each. Producer, Consumer and Admin share this
// shape; on one node every leader is that node, but routing already goes by leader so the
// replication issue only has to fill in more brokers.

import type { Runtime } from "../../runtime/types.ts";
import type { TopicDescription } from "../model/descriptions.ts";
import { TributaryError } from "../model/errors.ts";
import { ProtocolClient } from "../protocol/cbor/client.ts";
import { fromWireError } from "../protocol/cbor/wire-error.ts";
import type { MetadataResponse } from "../protocol/cbor/ops/metadata.ts";
import type { OpName } from "../protocol/cbor/op-codes.ts";
import type { RequestBody, ResponseBody } from "../protocol/cbor/ops/index.ts";
import { VERSION } from "../version.ts";
import { type HostPort, parseBootstrap } from "./bootstrap.ts";

export type ClientRuntime = Pick<Runtime, "net" | "clock" | "timers" | "random">;

/** What the client needs of a protocol connection (ProtocolClient satisfies it). */
export interface WireConnection {
  request<K extends OpName>(op: K, body: RequestBody<K>): Promise<ResponseBody<K>>;
  send<K extends OpName>(op: K, body: RequestBody<K>): Promise<void>;
  close(): Promise<void>;
  /** Resolves once the connection is gone, by either side. */
  readonly closed?: Promise<void>;
}

export type Connector = (
  rt: ClientRuntime,
  address: HostPort,
  options: ConnectOptions,
) => Promise<WireConnection>;

export interface ConnectOptions {
  clientId: string;
  requestTimeoutMs: number;
}

export interface ClusterOptions {
  bootstrap: string | readonly string[];
  clientId?: string;
  /** Deadline of each request, including a Fetch's own wait (which is added to it). */
  requestTimeoutMs?: number;
  /** Cached metadata older than this is fetched again before use. */
  metadataMaxAgeMs?: number;
  /** Replaces the protocol connection (tests). */
  connector?: Connector;
}

export interface TopicRoute {
  partitions: number;
  /** Leader node id per partition index. */
  leaders: number[];
  fetchedMs: number;
}

const defaultConnector: Connector = (rt, address, options) =>
  ProtocolClient.connect(rt, { ...address, ...options, clientVersion: VERSION });

export class ClusterClient {
  readonly rt: ClientRuntime;
  readonly clientId: string;
  readonly requestTimeoutMs: number;
  readonly #bootstrap: HostPort[];
  readonly #metadataMaxAgeMs: number;
  readonly #connector: Connector;
  readonly #connections = new Map<string, Promise<WireConnection>>();
  readonly #brokers = new Map<number, HostPort>();
  readonly #routes = new Map<string, TopicRoute>();
  #bootstrapNext = 0;
  #closed = false;

  constructor(rt: ClientRuntime, options: ClusterOptions) {
    this.rt = rt;
    this.#bootstrap = parseBootstrap(options.bootstrap);
    this.clientId = options.clientId ?? "tributary-client";
    this.requestTimeoutMs = options.requestTimeoutMs ?? 30_000;
    this.#metadataMaxAgeMs = options.metadataMaxAgeMs ?? 300_000;
    this.#connector = options.connector ?? defaultConnector;
  }

  /** Sends a request to a broker (any bootstrap broker when nodeId is undefined). */
  async request<K extends OpName>(
    op: K,
    body: RequestBody<K>,
    nodeId?: number,
  ): Promise<ResponseBody<K>> {
    const { key, conn } = await this.#connection(nodeId);
    try {
      return await conn.request(op, body);
    } catch (err) {
      throw this.#onFailure(key, err);
    }
  }

  /** Sends a request that gets no response (Produce with acks=0). */
  async send<K extends OpName>(op: K, body: RequestBody<K>, nodeId?: number): Promise<void> {
    const { key, conn } = await this.#connection(nodeId);
    try {
      await conn.send(op, body);
    } catch (err) {
      throw this.#onFailure(key, err);
    }
  }

  async metadata(
    topics: string[] | null,
    allowAutoTopicCreation = true,
  ): Promise<MetadataResponse> {
    const response = await this.request("Metadata", { topics, allowAutoTopicCreation });
    for (const broker of response.brokers) {
      this.#brokers.set(broker.nodeId, { host: broker.host, port: broker.port });
    }
    for (const topic of response.topics) {
      if (topic.error === null) {
        this.#routes.set(topic.name, routeOf(topic, this.rt.clock.monotonicMs()));
      }
    }
    // A named topic the broker could not describe (unknown, not auto-created) fails the call.
    const failed = response.topics.find((t) => t.error !== null);
    if (failed?.error) throw fromWireError(failed.error);
    return response;
  }

  /** Records a broker's address learnt outside Metadata (e.g. a FindCoordinator answer). */
  rememberBroker(broker: { nodeId: number; host: string; port: number }): void {
    this.#brokers.set(broker.nodeId, { host: broker.host, port: broker.port });
  }

  /** Partition count and leaders of a topic, from cache when fresh. */
  async route(topic: string): Promise<TopicRoute> {
    const cached = this.#routes.get(topic);
    if (cached && this.rt.clock.monotonicMs() - cached.fetchedMs < this.#metadataMaxAgeMs) {
      return cached;
    }
    await this.metadata([topic]);
    const route = this.#routes.get(topic);
    if (!route) {
      throw new TributaryError(
        "UNKNOWN_TOPIC_OR_PARTITION",
        `topic "${topic}" is not in the metadata`,
      );
    }
    return route;
  }

  /** The cached route, without I/O (undefined when not cached yet). */
  cachedRoute(topic: string): TopicRoute | undefined {
    return this.#routes.get(topic);
  }

  /** Forgets a topic's route so the next use fetches metadata again (leader moved, topic gone). */
  invalidate(topic: string): void {
    this.#routes.delete(topic);
  }

  async close(): Promise<void> {
    this.#closed = true;
    const pending = [...this.#connections.values()];
    this.#connections.clear();
    await Promise.allSettled(pending.map(async (p) => (await p).close()));
  }

  async #connection(nodeId: number | undefined): Promise<{ key: string; conn: WireConnection }> {
    if (this.#closed) throw new TributaryError("NETWORK_EXCEPTION", "client is closed");
    const address = this.#addressFor(nodeId);
    const key = `${address.host}:${address.port}`;
    let pending = this.#connections.get(key);
    if (!pending) {
      pending = this.#connector(this.rt, address, {
        clientId: this.clientId,
        requestTimeoutMs: this.requestTimeoutMs,
      });
      this.#connections.set(key, pending);
      this.#forgetWhenClosed(key, pending);
    }
    try {
      return { key, conn: await pending };
    } catch (err) {
      if (this.#connections.get(key) === pending) this.#connections.delete(key);
      this.#bootstrapNext++;
      throw asNetworkError(err, `cannot connect to ${key}`);
    }
  }

  /** A connection the broker closed is dropped from the table, so the next request reconnects. */
  #forgetWhenClosed(key: string, pending: Promise<WireConnection>): void {
    pending.then(
      (conn) =>
        conn.closed?.then(() => {
          if (this.#connections.get(key) === pending) this.#connections.delete(key);
        }),
      // A failed connect is reported to the caller that awaited it (see #connection).
      () => undefined,
    );
  }

  #addressFor(nodeId: number | undefined): HostPort {
    if (nodeId !== undefined) {
      const known = this.#brokers.get(nodeId);
      if (known) return known;
    }
    return this.#bootstrap[this.#bootstrapNext % this.#bootstrap.length];
  }

  /** A transport failure poisons the connection: drop it so the next request reconnects. */
  #onFailure(key: string, err: unknown): unknown {
    if (err instanceof TributaryError && err.code !== "NETWORK_EXCEPTION") return err;
    const pending = this.#connections.get(key);
    if (pending) {
      this.#connections.delete(key);
      // The connection already failed; closing it can only fail the same way, nothing to report.
      pending.then((c) => c.close()).catch(() => undefined);
    }
    return asNetworkError(err, `connection to ${key} failed`);
  }
}

function routeOf(topic: TopicDescription, nowMs: number): TopicRoute {
  const leaders: number[] = [];
  for (const p of topic.partitions) leaders[p.partition] = p.leader;
  return { partitions: topic.partitions.length, leaders, fetchedMs: nowMs };
}

function asNetworkError(err: unknown, context: string): TributaryError {
  if (err instanceof TributaryError) return err;
  const detail = err instanceof Error ? err.message : String(err);
  return new TributaryError("NETWORK_EXCEPTION", `${context}: ${detail}`, { cause: err });
}
