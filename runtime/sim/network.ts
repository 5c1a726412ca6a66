// deno-lint-ignore-file require-await -- async without await is deliberate: every call settles
// as a promise, and a thrown RuntimeIoError becomes a rejection, as with the real adapters.

// The simulated network between named nodes, with the faults a cluster must survive.
//
// Every node is its own host: it listens on its own ports and is reached by its name (or by
// 127.0.0.1 / localhost from itself). Faults and their chosen semantics:
// - partition(a, b): open connections between a and b are reset at once; new connection attempts
//   between them hang until their timeout and fail ETIMEDOUT (as TCP would to a silent host).
// - cutOneWay(from, to): nothing from `from` reaches `to`, and no connection is reset (TCP does
//   not notice a silent direction): bytes from -> to stall (still using the in-flight budget)
//   and arrive in order after healOneWay/healAll, unless an end is closed (abortive, see
//   net-connection.ts) or crashed first; to -> from bytes flow. A new connection between the
//   two, either way, cannot complete its handshake: connect hangs until the heal or its timeout
//   (ETIMEDOUT).
// - setLoss(p): each chunk is lost with odds p; a stream cannot skip bytes, so a lost chunk resets
//   its connection when it would have arrived.
// - latency: uniform in [min, max] ms per chunk; order holds per connection and direction only.
// - a crashed node's listeners vanish, its connection ends freeze, and their peers are reset.

import {
  type Connection,
  type ConnectOptions,
  type Listener,
  type ListenOptions,
  type Network,
  RuntimeIoError,
} from "../types.ts";
import { type LinkEnv, SimConnection } from "./net-connection.ts";
import type { SeededRandom } from "./prng.ts";
import type { SimScheduler } from "./scheduler.ts";

export interface SimNetworkOptions {
  scheduler: SimScheduler;
  random: SeededRandom;
  /** One-way latency range per chunk (default [1, 5]). */
  latencyMs?: readonly [number, number];
  /** Unread bytes per connection direction before write() waits (default 256 KiB). */
  inFlightBytesMax?: number;
  /** Connection attempt deadline when ConnectOptions.timeoutMs is absent (default 10 s). */
  connectTimeoutMsDefault?: number;
  record?: (event: string) => void;
}

const LOOPBACK_HOSTS = new Set(["127.0.0.1", "localhost", "::1"]);
const WILDCARD_HOSTS = new Set(["0.0.0.0", "::"]);
const LISTEN_PORT_FIRST = 40_000;
const CLIENT_PORT_FIRST = 50_000;
const PORT_MAX = 65_535;

interface SimListenerEntry {
  readonly node: string;
  readonly port: number;
  readonly onConnection: (conn: Connection) => void;
}

export class SimNetwork {
  readonly #scheduler: SimScheduler;
  readonly #random: SeededRandom;
  readonly #env: LinkEnv;
  readonly #connectTimeoutMsDefault: number;
  readonly #record: (event: string) => void;
  #latencyMs: readonly [number, number];
  #lossOdds = 0;
  readonly #nodes = new Set<string>();
  readonly #listeners = new Map<string, SimListenerEntry>();
  readonly #partitions = new Set<string>();
  /** One-way cuts, as "from>to". */
  readonly #oneWay = new Set<string>();
  /** Ends holding arrivals back behind a one-way cut. */
  readonly #stalledEnds = new Set<SimConnection>();
  /** Connection attempts hung by a one-way cut, by their node: each is retried after a heal. */
  readonly #hungConnects = new Map<() => void, string>();
  readonly #ends = new Map<string, Set<SimConnection>>();
  readonly #nextPort = new Map<string, { listen: number; client: number }>();
  #connectionCount = 0;
  /** Per "from>to": the latest send time of a chunk delivered so far. */
  readonly #latestSentMs = new Map<string, number>();
  /**
   * Chunks that arrived after a chunk sent later between the same two nodes, on another
   * connection (within one connection order holds): the reordering latency jitter makes.
   */
  reordered = 0;
  /** Times a connection direction began holding arrivals back behind a one-way cut. */
  stalls = 0;
  /** Connection attempts a one-way cut hung (each counted once). */
  hungConnects = 0;

  constructor(options: SimNetworkOptions) {
    this.#scheduler = options.scheduler;
    this.#random = options.random;
    this.#latencyMs = options.latencyMs ?? [1, 5];
    this.#connectTimeoutMsDefault = options.connectTimeoutMsDefault ?? 10_000;
    this.#record = options.record ?? (() => {});
    checkLatency(this.#latencyMs);
    const scheduler = this.#scheduler;
    this.#env = {
      schedule: (owner, delayMs, fn) => void scheduler.schedule(owner, delayMs, fn),
      elapsedMs: () => scheduler.clock.elapsedMs,
      latencyMs: () => this.sampleLatencyMs(),
      lossOdds: () => this.#lossOdds,
      random: this.#random,
      inFlightBytesMax: options.inFlightBytesMax ?? 256 * 1024,
      record: (event) => this.#record(event),
      blocked: (from, to) => this.isCutOneWay(from, to),
      delivered: (from, to, sentMs) => {
        const key = `${from}>${to}`;
        const latest = this.#latestSentMs.get(key) ?? -1;
        if (sentMs < latest) this.reordered++;
        else this.#latestSentMs.set(key, sentMs);
      },
      stalled: (end) => {
        this.stalls++;
        this.#record(`stall ${end.label} -> ${end.peer.node}`);
        this.#stalledEnds.add(end);
      },
    };
  }

  // ---- fault controls -----------------------------------------------------------------------

  /** Cuts a from b (both ways): open connections between them reset, new ones time out. */
  partition(a: string, b: string): void {
    this.#partitions.add(pairKey(a, b));
    this.#record(`partition ${pairKey(a, b)}`);
    for (const end of this.#ends.get(a) ?? []) {
      if (end.peer.node === b) {
        end.reset("partitioned");
        end.peer.reset("partitioned");
      }
    }
  }

  heal(a: string, b: string): void {
    this.#partitions.delete(pairKey(a, b));
    this.#record(`heal ${pairKey(a, b)}`);
  }

  healAll(): void {
    this.#partitions.clear();
    this.#oneWay.clear();
    this.#record("heal all");
    this.#afterHeal();
  }

  /** Cuts the direction from -> to only: see the header for what that does. */
  cutOneWay(from: string, to: string): void {
    if (from === to) throw new RangeError(`cannot cut ${from} from itself`);
    this.#oneWay.add(`${from}>${to}`);
    this.#record(`cut ${from} -> ${to}`);
    for (const end of this.#ends.get(from) ?? []) if (end.peer.node === to) end.cutOutgoing();
  }

  healOneWay(from: string, to: string): void {
    this.#oneWay.delete(`${from}>${to}`);
    this.#record(`heal ${from} -> ${to}`);
    this.#afterHeal();
  }

  isCutOneWay(from: string, to: string): boolean {
    return this.#oneWay.size > 0 && this.#oneWay.has(`${from}>${to}`);
  }

  /** Stalled arrivals of a healed direction set off (one latency later); hung connects retry. */
  #afterHeal(): void {
    for (const end of this.#stalledEnds) {
      if (this.isCutOneWay(end.node, end.peer.node)) continue;
      this.#scheduler.schedule("", this.sampleLatencyMs(), () => {
        if (end.drain()) this.#stalledEnds.delete(end);
      });
    }
    const hung = [...this.#hungConnects.keys()];
    this.#hungConnects.clear();
    // The next SYN retransmission gets through.
    for (const retry of hung) this.#scheduler.schedule("", this.sampleLatencyMs(), retry);
  }

  /** Isolates node from every other known node. */
  isolate(node: string): void {
    for (const other of this.#nodes) if (other !== node) this.partition(node, other);
  }

  isPartitioned(a: string, b: string): boolean {
    return a !== b && this.#partitions.has(pairKey(a, b));
  }

  /** Odds in [0, 1) that a chunk is lost, resetting its connection. */
  setLoss(odds: number): void {
    if (!(odds >= 0 && odds < 1)) throw new RangeError(`loss odds must be in [0, 1), got ${odds}`);
    this.#lossOdds = odds;
  }

  setLatency(minMs: number, maxMs: number): void {
    checkLatency([minMs, maxMs]);
    this.#latencyMs = [minMs, maxMs];
  }

  // ---- per-node surface -----------------------------------------------------------------------

  /** The Network a process on node sees. */
  forNode(node: string): Network {
    this.#nodes.add(node);
    return {
      listen: (options, onConnection) => this.#listen(node, options, onConnection),
      connect: (options) => this.#connect(node, options),
    };
  }

  /** The node's host crashed: listeners vanish, its ends freeze, their peers get reset. */
  crashNode(node: string): void {
    for (const [key, entry] of this.#listeners) {
      if (entry.node === node) this.#listeners.delete(key);
    }
    for (const end of this.#ends.get(node) ?? []) end.kill();
    this.#ends.delete(node);
    // Its hung connection attempts died with it (their promises stay pending, as kill() says).
    for (const [retry, from] of this.#hungConnects) {
      if (from === node) this.#hungConnects.delete(retry);
    }
  }

  /** Open connection ends on node (for tests and leak checks). */
  openEnds(node: string): number {
    let open = 0;
    for (const end of this.#ends.get(node) ?? []) {
      if (end.state === "open" || end.state === "closing") open++;
    }
    return open;
  }

  async #listen(
    node: string,
    options: ListenOptions,
    onConnection: (conn: Connection) => void,
  ): Promise<Listener> {
    if (!this.#isLocal(node, options.host) && !WILDCARD_HOSTS.has(options.host)) {
      throw new RuntimeIoError(
        "EINVAL",
        `${node} cannot listen on ${options.host}: not its address`,
      );
    }
    const port = options.port === 0 ? this.#freePort(node) : options.port;
    if (!Number.isInteger(port) || port < 1 || port > PORT_MAX) {
      throw new RuntimeIoError("EINVAL", `bad port ${options.port}`);
    }
    const key = `${node}:${port}`;
    if (this.#listeners.has(key)) throw new RuntimeIoError("EADDRINUSE", `${key} is in use`);
    const entry: SimListenerEntry = { node, port, onConnection };
    this.#listeners.set(key, entry);
    this.#record(`listen ${key}`);
    return {
      host: options.host,
      port,
      close: async () => {
        if (this.#listeners.get(key) === entry) this.#listeners.delete(key);
      },
    };
  }

  #connect(node: string, options: ConnectOptions): Promise<Connection> {
    const target = this.#isLocal(node, options.host) ? node : options.host;
    const timeoutMs = options.timeoutMs ?? this.#connectTimeoutMsDefault;
    const startMs = this.#scheduler.clock.elapsedMs;
    return new Promise((resolve, reject) => {
      let settled = false;
      let deadlineSet = false;
      const refuse = (code: "ECONNREFUSED" | "ETIMEDOUT", why: string) => {
        if (settled) return;
        settled = true;
        this.#hungConnects.delete(handshake);
        reject(
          new RuntimeIoError(code, `connect ${options.host}:${options.port} from ${node}: ${why}`),
        );
      };
      const timeOut = (why: string) => {
        if (deadlineSet) return;
        deadlineSet = true;
        const leftMs = Math.max(0, timeoutMs - (this.#scheduler.clock.elapsedMs - startMs));
        this.#scheduler.schedule(node, leftMs, () => refuse("ETIMEDOUT", `no answer (${why})`));
      };
      /** The SYN arrives (or, hung, a heal let it through). */
      const handshake = () => {
        if (settled) return;
        if (this.isPartitioned(node, target)) return timeOut("partitioned");
        if (this.#cutEitherWay(node, target)) {
          if (!deadlineSet) this.hungConnects++;
          this.#hungConnects.set(handshake, node);
          return timeOut("cut one way");
        }
        const listener = this.#listeners.get(`${target}:${options.port}`);
        if (listener === undefined) {
          this.#scheduler.schedule(
            node,
            this.sampleLatencyMs(),
            () => refuse("ECONNREFUSED", "nobody listening"),
          );
          return;
        }
        settled = true;
        const [client, server] = this.#pair(node, target, options);
        listener.onConnection(server);
        this.#scheduler.schedule(node, this.sampleLatencyMs(), () => resolve(client));
      };
      if (!this.#nodes.has(target)) return refuse("ECONNREFUSED", "unknown host");
      if (this.isPartitioned(node, target)) return timeOut("partitioned");
      if (this.#cutEitherWay(node, target)) return handshake();
      this.#scheduler.schedule(node, this.sampleLatencyMs(), handshake);
    });
  }

  #cutEitherWay(a: string, b: string): boolean {
    return a !== b && (this.isCutOneWay(a, b) || this.isCutOneWay(b, a));
  }

  #pair(node: string, target: string, options: ConnectOptions): [SimConnection, SimConnection] {
    const id = ++this.#connectionCount;
    const clientPort = this.#clientPort(node);
    const loopback = node === target;
    const client = new SimConnection(this.#env, node, `c${id}/${node}`, {
      address: loopback ? "127.0.0.1" : target,
      port: options.port,
    });
    const server = new SimConnection(this.#env, target, `c${id}/${target}`, {
      address: loopback ? "127.0.0.1" : node,
      port: clientPort,
    });
    client.peer = server;
    server.peer = client;
    for (const end of [client, server]) {
      const ends = this.#ends.get(end.node) ?? new Set();
      ends.add(end);
      this.#ends.set(end.node, ends);
      void end.closed.then(() => this.#ends.get(end.node)?.delete(end));
    }
    this.#record(`connect c${id} ${node}:${clientPort} -> ${target}:${options.port}`);
    return [client, server];
  }

  #isLocal(node: string, host: string): boolean {
    return host === node || LOOPBACK_HOSTS.has(host);
  }

  #freePort(node: string): number {
    const ports = this.#ports(node);
    for (let tries = 0; tries < PORT_MAX; tries++) {
      const port = ports.listen;
      ports.listen = port >= CLIENT_PORT_FIRST - 1 ? LISTEN_PORT_FIRST : port + 1;
      if (!this.#listeners.has(`${node}:${port}`)) return port;
    }
    throw new RuntimeIoError("EADDRINUSE", `${node} has no free port`);
  }

  #clientPort(node: string): number {
    const ports = this.#ports(node);
    const port = ports.client;
    ports.client = port >= PORT_MAX ? CLIENT_PORT_FIRST : port + 1;
    return port;
  }

  #ports(node: string): { listen: number; client: number } {
    const ports = this.#nextPort.get(node) ??
      { listen: LISTEN_PORT_FIRST, client: CLIENT_PORT_FIRST };
    this.#nextPort.set(node, ports);
    return ports;
  }

  /** One draw from the latency range. */
  sampleLatencyMs(): number {
    const [minMs, maxMs] = this.#latencyMs;
    return minMs + this.#random.float() * (maxMs - minMs);
  }
}

function pairKey(a: string, b: string): string {
  return a < b ? `${a}|${b}` : `${b}|${a}`;
}

function checkLatency([minMs, maxMs]: readonly [number, number]): void {
  if (!(minMs >= 0 && maxMs >= minMs && Number.isFinite(maxMs))) {
    throw new RangeError(`latency range must satisfy 0 <= min <= max, got [${minMs}, ${maxMs}]`);
  }
}
