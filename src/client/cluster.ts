// The client side's view of the cluster: one protocol connection per broker (opened lazily,
// dropped and reopened after a network failure or a request timeout) and a metadata cache that
// says how many partitions a topic has and which broker leads each. Producer, Consumer and
// Admin share it.
//
// Failover: a caller that meets a moved leader (isStaleRoute) invalidates the topic and asks
// route() again; route() refreshes metadata with at most one Metadata request in flight for
// the whole client (later askers join it), and no sooner than retryBackoffMs after the topic's
// previous refresh, so a leader election does not turn into a storm of Metadata requests.
// Requests for "any broker" (Metadata, FindCoordinator, InitProducerId, admin operations) go to
// the bootstrap brokers and every broker metadata named, moving on to the next address when a
// connection cannot be made, so one dead bootstrap broker costs a refused connect, not an error.

import type { Runtime } from "../../runtime/types.ts";
import type { TopicDescription } from "../model/descriptions.ts";
import { type ErrorCodeName, toTributaryError, TributaryError } from "../model/errors.ts";
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
  /** Shortest gap between two metadata refreshes of a topic (Kafka's retry.backoff.ms). */
  retryBackoffMs?: number;
  /** Replaces the protocol connection (tests). */
  connector?: Connector;
}

export interface TopicRoute {
  partitions: number;
  /** Leader node id per partition index. */
  leaders: number[];
  /** The leader epoch of each leader in leaders (sent with fetches, KIP-320). */
  leaderEpochs: number[];
  fetchedMs: number;
}

/**
 * Errors after which a topic's cached leaders cannot be trusted: the partition moved, its
 * leader is being elected, the broker asked is gone or answered for an older leader epoch.
 */
const STALE_ROUTE_CODES: ReadonlySet<ErrorCodeName> = new Set<ErrorCodeName>([
  "NOT_LEADER_OR_FOLLOWER",
  "LEADER_NOT_AVAILABLE",
  "FENCED_LEADER_EPOCH",
  "UNKNOWN_LEADER_EPOCH",
  "UNKNOWN_TOPIC_OR_PARTITION",
  "NETWORK_EXCEPTION",
  "REQUEST_TIMED_OUT",
  "BROKER_SHUTTING_DOWN",
]);

export function isStaleRoute(err: TributaryError): boolean {
  return STALE_ROUTE_CODES.has(err.code);
}

/** A leader of -1 (election in progress) or a leader whose address metadata did not give. */
export function leaderUnavailable(topic: string, partition: number): TributaryError {
  return new TributaryError(
    "LEADER_NOT_AVAILABLE",
    `${topic}-${partition} has no leader the client can reach yet`,
  );
}

interface Refresh {
  readonly topics: ReadonlySet<string>;
  readonly done: Promise<void>;
}

/** Rounds of waiting for someone else's refresh before starting one (bounds route()). */
const REFRESH_JOIN_ROUNDS_MAX = 3;

const defaultConnector: Connector = (rt, address, options) =>
  ProtocolClient.connect(rt, { ...address, ...options, clientVersion: VERSION });

export class ClusterClient {
  readonly rt: ClientRuntime;
  readonly clientId: string;
  readonly requestTimeoutMs: number;
  readonly #bootstrap: HostPort[];
  readonly #metadataMaxAgeMs: number;
  readonly #retryBackoffMs: number;
  readonly #connector: Connector;
  readonly #connections = new Map<string, Promise<WireConnection>>();
  readonly #brokers = new Map<number, HostPort>();
  readonly #routes = new Map<string, TopicRoute>();
  /** Topics every refresh asks about: the ones this client routes to. */
  readonly #wanted = new Set<string>();
  /** When each topic was last described (kept across invalidate(): it paces refreshes). */
  readonly #describedMs = new Map<string, number>();
  /**
   * The newest leader (and its epoch) seen per partition, kept across invalidate(): a broker cut
   * off from the controller answers metadata from its stale image, and a route must not go back
   * to an older leader epoch (KIP-320). Dropped when the topic is gone, and after
   * metadataMaxAgeMs (a topic deleted and created again unseen starts its epochs over).
   */
  readonly #epochFloors = new Map<string, { epochs: Map<number, EpochFloor>; seenMs: number }>();
  /** A topic's error from the latest refresh that named it. */
  readonly #topicErrors = new Map<string, TributaryError>();
  #refresh: Refresh | null = null;
  /** Index into the "any broker" candidates; moves on after a broker fails. */
  #anyNext = 0;
  #closed = false;

  constructor(rt: ClientRuntime, options: ClusterOptions) {
    this.rt = rt;
    this.#bootstrap = parseBootstrap(options.bootstrap);
    this.clientId = options.clientId ?? "tributary-client";
    this.requestTimeoutMs = options.requestTimeoutMs ?? 30_000;
    this.#metadataMaxAgeMs = options.metadataMaxAgeMs ?? 300_000;
    this.#retryBackoffMs = Math.max(0, options.retryBackoffMs ?? 100);
    this.#connector = options.connector ?? defaultConnector;
  }

  /**
   * Sends a request to broker nodeId, or (nodeId undefined) to any broker, trying the next
   * known address while connections cannot be made. A request that was sent is never resent
   * here: whether to retry it is the caller's call.
   */
  async request<K extends OpName>(
    op: K,
    body: RequestBody<K>,
    nodeId?: number,
  ): Promise<ResponseBody<K>> {
    const { key, conn } = await this.#connectionFor(nodeId);
    try {
      return await conn.request(op, body);
    } catch (err) {
      throw this.#onFailure(key, err, nodeId);
    }
  }

  /** Sends a request that gets no response (Produce with acks=0). */
  async send<K extends OpName>(op: K, body: RequestBody<K>, nodeId?: number): Promise<void> {
    const { key, conn } = await this.#connectionFor(nodeId);
    try {
      await conn.send(op, body);
    } catch (err) {
      throw this.#onFailure(key, err, nodeId);
    }
  }

  /** One Metadata request (not coalesced); a named topic that cannot be described fails it. */
  async metadata(
    topics: string[] | null,
    allowAutoTopicCreation = true,
  ): Promise<MetadataResponse> {
    const response = await this.#describe(topics, allowAutoTopicCreation);
    const failed = response.topics.find((t) => t.error !== null);
    if (failed?.error) throw fromWireError(failed.error);
    return response;
  }

  /** Records a broker's address learnt outside Metadata (e.g. a FindCoordinator answer). */
  rememberBroker(broker: { nodeId: number; host: string; port: number }): void {
    this.#brokers.set(broker.nodeId, { host: broker.host, port: broker.port });
  }

  /** Whether metadata gave an address for this broker. */
  knowsBroker(nodeId: number): boolean {
    return this.#brokers.has(nodeId);
  }

  /** Partition count and leaders of a topic, from cache when fresh, else by a refresh. */
  async route(topic: string): Promise<TopicRoute> {
    const cached = this.#routes.get(topic);
    if (cached && this.rt.clock.monotonicMs() - cached.fetchedMs < this.#metadataMaxAgeMs) {
      return cached;
    }
    await this.#refreshIncluding(topic);
    const route = this.#routes.get(topic);
    if (route) return route;
    throw this.#topicErrors.get(topic) ?? new TributaryError(
      "UNKNOWN_TOPIC_OR_PARTITION",
      `topic "${topic}" is not in the metadata`,
    );
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

  /** Joins the refresh in flight when it asks about topic, else waits it out and starts one. */
  async #refreshIncluding(topic: string): Promise<void> {
    this.#wanted.add(topic);
    for (let round = 0; round < REFRESH_JOIN_ROUNDS_MAX; round++) {
      const refresh = this.#refresh ?? this.#startRefresh(topic);
      if (refresh.topics.has(topic)) return await refresh.done;
      // Started before this topic was wanted; its outcome is for other callers.
      await refresh.done.catch(() => undefined);
    }
    throw new TributaryError("LEADER_NOT_AVAILABLE", `metadata of "${topic}" kept being refreshed`);
  }

  #startRefresh(asking: string): Refresh {
    const topics = new Set(this.#wanted);
    const lastMs = this.#describedMs.get(asking);
    const waitMs = lastMs === undefined
      ? 0
      : lastMs + this.#retryBackoffMs - this.rt.clock.monotonicMs();
    const run = async () => {
      if (waitMs > 0) await this.rt.timers.sleep(waitMs);
      await this.#describe([...topics], true);
    };
    const refresh: Refresh = {
      topics,
      done: run().finally(() => {
        if (this.#refresh === refresh) this.#refresh = null;
      }),
    };
    this.#refresh = refresh;
    return refresh;
  }

  /** A Metadata request whose answer updates brokers, routes and per-topic errors. */
  async #describe(
    topics: string[] | null,
    allowAutoTopicCreation: boolean,
  ): Promise<MetadataResponse> {
    const response = await this.request("Metadata", { topics, allowAutoTopicCreation });
    const nowMs = this.rt.clock.monotonicMs();
    for (const broker of response.brokers) {
      this.#brokers.set(broker.nodeId, { host: broker.host, port: broker.port });
    }
    for (const topic of response.topics) {
      this.#describedMs.set(topic.name, nowMs);
      if (topic.error === null) {
        this.#routes.set(topic.name, this.#routeOf(topic, nowMs));
        this.#topicErrors.delete(topic.name);
      } else {
        this.#routes.delete(topic.name);
        this.#topicErrors.set(topic.name, fromWireError(topic.error));
        // A topic that is gone stops riding along in every later refresh.
        if (topic.error.code === "UNKNOWN_TOPIC_OR_PARTITION") {
          this.#wanted.delete(topic.name);
          this.#epochFloors.delete(topic.name);
        }
      }
    }
    return response;
  }

  /** The topic's route from a Metadata answer, where no partition goes back to an older epoch. */
  #routeOf(topic: TopicDescription, nowMs: number): TopicRoute {
    const known = this.#epochFloors.get(topic.name);
    const fresh = known !== undefined && nowMs - known.seenMs < this.#metadataMaxAgeMs;
    const floors = fresh ? known.epochs : new Map<number, EpochFloor>();
    const leaders: number[] = [];
    const leaderEpochs: number[] = [];
    for (const p of topic.partitions) {
      const floor = floors.get(p.partition);
      const kept = floor !== undefined && p.leaderEpoch < floor.leaderEpoch
        ? floor
        : { leader: p.leader, leaderEpoch: p.leaderEpoch };
      floors.set(p.partition, kept);
      leaders[p.partition] = kept.leader;
      leaderEpochs[p.partition] = kept.leaderEpoch;
    }
    this.#epochFloors.set(topic.name, { epochs: floors, seenMs: nowMs });
    return { partitions: topic.partitions.length, leaders, leaderEpochs, fetchedMs: nowMs };
  }

  async #connectionFor(
    nodeId: number | undefined,
  ): Promise<{ key: string; conn: WireConnection }> {
    if (nodeId !== undefined) {
      const known = this.#brokers.get(nodeId);
      // A leader metadata gave no address for: any broker answers NOT_LEADER_OR_FOLLOWER,
      // which sends the caller back to metadata.
      if (known) return await this.#connection(known);
    }
    const candidates = this.#anyCandidates();
    let lastError: unknown = null;
    for (let i = 0; i < candidates.length; i++) {
      const address = candidates[this.#anyNext % candidates.length];
      try {
        return await this.#connection(address);
      } catch (err) {
        lastError = err;
        if (this.#closed) break;
        this.#anyNext++;
      }
    }
    throw lastError;
  }

  /** The bootstrap addresses, then every other broker metadata named. */
  #anyCandidates(): HostPort[] {
    const seen = new Set(this.#bootstrap.map(keyOf));
    const out = [...this.#bootstrap];
    for (const address of this.#brokers.values()) {
      if (seen.has(keyOf(address))) continue;
      seen.add(keyOf(address));
      out.push(address);
    }
    return out;
  }

  async #connection(address: HostPort): Promise<{ key: string; conn: WireConnection }> {
    if (this.#closed) throw new TributaryError("NETWORK_EXCEPTION", "client is closed");
    const key = keyOf(address);
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

  /**
   * A transport failure poisons the connection: drop it so the next request reconnects. A
   * request timeout counts too: a stopped or partitioned broker keeps its socket open and
   * answers nothing, and only a new connection (to the new leader) gets anywhere. (A broker's
   * own REQUEST_TIMED_OUT answer cannot be told apart here; it costs one reconnect.)
   */
  #onFailure(key: string, err: unknown, nodeId: number | undefined): unknown {
    const typed = toTributaryError(err);
    if (typed.code !== "NETWORK_EXCEPTION" && typed.code !== "REQUEST_TIMED_OUT") return typed;
    const pending = this.#connections.get(key);
    if (pending) {
      this.#connections.delete(key);
      // The connection already failed; closing it can only fail the same way, nothing to report.
      pending.then((c) => c.close()).catch(() => undefined);
    }
    if (nodeId === undefined) this.#anyNext++;
    return typed.code === "NETWORK_EXCEPTION"
      ? asNetworkError(err, `connection to ${key} failed`)
      : typed;
  }
}

interface EpochFloor {
  leader: number;
  leaderEpoch: number;
}

function keyOf(address: HostPort): string {
  return `${address.host}:${address.port}`;
}

function asNetworkError(err: unknown, context: string): TributaryError {
  if (err instanceof TributaryError) return err;
  const detail = err instanceof Error ? err.message : String(err);
  return new TributaryError("NETWORK_EXCEPTION", `${context}: ${detail}`, { cause: err });
}
