// A fault-injecting TCP proxy for tests between real processes on 127.0.0.1 (issue 11 §5): the
// test points a client (or a broker's peer) at the proxy's port instead of the target's, then
// cuts, delays or silently drops the traffic, each direction on its own:
//
//   const p = await FaultProxy.start({ target: { host: "127.0.0.1", port } });
//   p.cut();                        // every connection dropped, new ones refused
//   await p.heal();                 // all faults off, connections accepted again
//   p.delay(200);                   // each chunk forwarded 200 ms after it arrived, order kept
//   p.blackhole("toTarget");        // accepted and kept open, nothing forwarded that way
//   p.dropAfterBytes(100, { direction: "toClient", reset: true });  // 100 bytes, then reset
//   await p.close();
//
// "toTarget" is what the client sends, "toClient" what the target answers. Bounded: at most
// connectionsMax connections (more are closed at once), and per connection and direction at most
// bufferBytesMax bytes waiting (delayed or unwritten); past that the sending socket is paused,
// so a delay slows a fast sender down instead of growing a buffer. Listens on 127.0.0.1 only.
import { createServer, type Server, Socket } from "node:net";

export type Direction = "toTarget" | "toClient" | "both";
type Lane = "toTarget" | "toClient";

export interface FaultProxyOptions {
  target: { host: string; port: number };
  /** Per connection and direction, bytes queued before the sender is paused (default 1 MiB). */
  bufferBytesMax?: number;
  /** Connections open at once; more are closed on accept (default 256). */
  connectionsMax?: number;
}

interface LaneFaults {
  delayMs: number;
  /** Bytes a connection may still forward this way (Infinity: no limit). */
  allowanceBytes: number;
  /** When the allowance runs out: reset the connection instead of discarding quietly. */
  reset: boolean;
}

export interface FaultProxyStats {
  /** Connections accepted since start. */
  accepted: number;
  /** Bytes discarded by blackhole() or dropAfterBytes(). */
  discardedBytes: number;
  /** Most bytes ever queued in one lane of one connection. */
  queuedBytesHigh: number;
}

const LOOPBACK_HOSTS = new Set(["127.0.0.1", "localhost", "::1"]);
const LANES: readonly Lane[] = ["toTarget", "toClient"];
const BUFFER_BYTES_MAX_DEFAULT = 1024 * 1024;
const CONNECTIONS_MAX_DEFAULT = 256;

function lanesOf(direction: Direction): readonly Lane[] {
  return direction === "both" ? LANES : [direction];
}

function freshFaults(): LaneFaults {
  return { delayMs: 0, allowanceBytes: Infinity, reset: false };
}

export class FaultProxy {
  readonly host = "127.0.0.1";
  readonly stats: FaultProxyStats = { accepted: 0, discardedBytes: 0, queuedBytesHigh: 0 };
  readonly #options: Required<FaultProxyOptions>;
  readonly #pairs = new Set<Pair>();
  readonly #faults: Record<Lane, LaneFaults> = { toTarget: freshFaults(), toClient: freshFaults() };
  #server: Server | null = null;
  #port = 0;
  #cut = false;
  #closed = false;

  private constructor(options: FaultProxyOptions) {
    this.#options = {
      target: options.target,
      bufferBytesMax: options.bufferBytesMax ?? BUFFER_BYTES_MAX_DEFAULT,
      connectionsMax: options.connectionsMax ?? CONNECTIONS_MAX_DEFAULT,
    };
  }

  static async start(options: FaultProxyOptions): Promise<FaultProxy> {
    // Tests talk to this machine only.
    if (!LOOPBACK_HOSTS.has(options.target.host)) {
      throw new RangeError(`fault proxy targets loopback only, not ${options.target.host}`);
    }
    const proxy = new FaultProxy(options);
    await proxy.#listen(0);
    return proxy;
  }

  /** The port to connect to instead of the target's. */
  get port(): number {
    return this.#port;
  }

  /** Connections open now. */
  get connections(): number {
    return this.#pairs.size;
  }

  /** Drops every connection and refuses new ones (the port stops listening) until heal(). */
  cut(): void {
    this.#cut = true;
    for (const pair of [...this.#pairs]) pair.destroy();
    const server = this.#server;
    this.#server = null;
    server?.close();
  }

  /** Ends every fault: listening again after a cut, no delay, everything forwarded. */
  async heal(): Promise<void> {
    for (const lane of LANES) this.#faults[lane] = freshFaults();
    for (const pair of this.#pairs) pair.heal();
    if (this.#cut && !this.#closed) {
      this.#cut = false;
      await this.#listen(this.#port);
    }
  }

  /** Each chunk is forwarded delayMs after it arrived (never before an earlier one). */
  delay(delayMs: number, direction: Direction = "both"): void {
    if (!(delayMs >= 0)) throw new RangeError(`delay must be >= 0 ms, got ${delayMs}`);
    for (const lane of lanesOf(direction)) this.#faults[lane].delayMs = delayMs;
  }

  /**
   * Every connection forwards `bytes` more bytes this way, then discards the rest quietly (or,
   * with reset, is closed); new connections get `bytes` from their start.
   */
  dropAfterBytes(
    bytes: number,
    options: { direction?: Direction; reset?: boolean } = {},
  ): void {
    if (!Number.isSafeInteger(bytes) || bytes < 0) {
      throw new RangeError(`bytes must be a non-negative integer, got ${bytes}`);
    }
    for (const lane of lanesOf(options.direction ?? "both")) {
      this.#faults[lane].allowanceBytes = bytes;
      this.#faults[lane].reset = options.reset ?? false;
      for (const pair of this.#pairs) pair.limit(lane, bytes, options.reset ?? false);
    }
  }

  /** Connections stay open and forward nothing this way (a one-way cut with "toTarget"/"toClient"). */
  blackhole(direction: Direction = "both"): void {
    this.dropAfterBytes(0, { direction });
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const pair of [...this.#pairs]) pair.destroy();
    const server = this.#server;
    this.#server = null;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  #listen(port: number): Promise<void> {
    const server = createServer({ pauseOnConnect: true }, (socket) => this.#accept(socket));
    return new Promise((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, this.host, () => {
        server.off("error", reject);
        // A later server error (none is expected once listening) must not crash the test run.
        server.on("error", () => undefined);
        this.#server = server;
        const address = server.address();
        if (address === null || typeof address === "string") {
          reject(new Error("fault proxy: no TCP address"));
          return;
        }
        this.#port = address.port;
        resolve();
      });
    });
  }

  #accept(client: Socket): void {
    if (this.#cut || this.#closed || this.#pairs.size >= this.#options.connectionsMax) {
      client.destroy();
      return;
    }
    this.stats.accepted++;
    const pair = new Pair(client, this.#options, this.#faults, this.stats, () => {
      this.#pairs.delete(pair);
    });
    this.#pairs.add(pair);
  }
}

interface Queued {
  chunk: Uint8Array;
  dueMs: number;
}

/** One direction of one connection: from `source` to `sink`, under the lane's faults. */
class LaneState {
  readonly queue: Queued[] = [];
  queuedBytes = 0;
  allowanceBytes: number;
  reset: boolean;
  delayMs: number;
  lastDueMs = 0;
  timer: ReturnType<typeof setTimeout> | null = null;
  /** The sink did not take the last write: wait for its drain before writing more. */
  blocked = false;

  constructor(faults: LaneFaults) {
    this.allowanceBytes = faults.allowanceBytes;
    this.reset = faults.reset;
    this.delayMs = faults.delayMs;
  }
}

class Pair {
  readonly #client: Socket;
  readonly #target: Socket;
  readonly #bufferBytesMax: number;
  readonly #faults: Record<Lane, LaneFaults>;
  readonly #stats: FaultProxyStats;
  readonly #onGone: () => void;
  readonly #lanes: Record<Lane, LaneState>;
  /** Both sockets connected and piped. */
  #wired = false;
  #gone = false;

  constructor(
    client: Socket,
    options: Required<FaultProxyOptions>,
    faults: Record<Lane, LaneFaults>,
    stats: FaultProxyStats,
    onGone: () => void,
  ) {
    this.#client = client;
    this.#bufferBytesMax = options.bufferBytesMax;
    this.#faults = faults;
    this.#stats = stats;
    this.#onGone = onGone;
    this.#lanes = {
      toTarget: new LaneState(faults.toTarget),
      toClient: new LaneState(faults.toClient),
    };
    this.#target = new Socket();
    for (const socket of [client, this.#target]) {
      socket.on("error", () => this.destroy());
      socket.on("close", () => this.destroy());
    }
    this.#target.pause();
    this.#target.connect(options.target.port, options.target.host, () => {
      if (this.#gone) return;
      this.#wire("toTarget", client, this.#target);
      this.#wire("toClient", this.#target, client);
      this.#wired = true;
      client.resume();
      this.#target.resume();
    });
  }

  heal(): void {
    for (const lane of LANES) {
      const state = this.#lanes[lane];
      state.allowanceBytes = Infinity;
      state.reset = false;
      state.delayMs = 0;
      // Delayed chunks go out now, in order.
      for (const q of state.queue) q.dueMs = 0;
      this.#flush(lane);
    }
  }

  limit(lane: Lane, bytes: number, reset: boolean): void {
    this.#lanes[lane].allowanceBytes = bytes;
    this.#lanes[lane].reset = reset;
    if (bytes === 0 && reset) this.destroy();
  }

  destroy(): void {
    if (this.#gone) return;
    this.#gone = true;
    for (const lane of LANES) {
      const state = this.#lanes[lane];
      if (state.timer) clearTimeout(state.timer);
      state.timer = null;
      state.queue.length = 0;
      state.queuedBytes = 0;
    }
    this.#client.destroy();
    this.#target.destroy();
    this.#onGone();
  }

  #wire(lane: Lane, source: Socket, sink: Socket): void {
    source.on("data", (chunk: Uint8Array) => this.#arrive(lane, source, chunk));
    // A half-close is passed on once what was queued before it is written.
    source.on("end", () => {
      if (this.#lanes[lane].queue.length === 0) sink.end();
      else this.#lanes[lane].queue.push({ chunk: END, dueMs: 0 });
    });
    sink.on("drain", () => {
      this.#lanes[lane].blocked = false;
      this.#flush(lane);
    });
  }

  #arrive(lane: Lane, source: Socket, chunk: Uint8Array): void {
    if (this.#gone) return;
    const state = this.#lanes[lane];
    state.delayMs = this.#faults[lane].delayMs;
    const keep = Math.min(chunk.length, state.allowanceBytes);
    if (keep < chunk.length) {
      this.#stats.discardedBytes += chunk.length - keep;
      if (state.reset) {
        if (keep > 0) this.#sinkOf(lane).write(chunk.subarray(0, keep));
        this.destroy();
        return;
      }
    }
    if (keep === 0) return;
    state.allowanceBytes -= keep;
    const nowMs = Date.now();
    const dueMs = Math.max(nowMs + state.delayMs, state.lastDueMs);
    state.lastDueMs = dueMs;
    state.queue.push({ chunk: chunk.subarray(0, keep), dueMs });
    state.queuedBytes += keep;
    this.#stats.queuedBytesHigh = Math.max(this.#stats.queuedBytesHigh, state.queuedBytes);
    if (state.queuedBytes >= this.#bufferBytesMax) source.pause();
    this.#flush(lane);
  }

  /** Writes every due chunk while the sink takes them; arms a timer for the next one. */
  #flush(lane: Lane): void {
    const state = this.#lanes[lane];
    if (this.#gone || !this.#wired || state.blocked) return;
    const sink = this.#sinkOf(lane);
    const nowMs = Date.now();
    while (state.queue.length > 0 && state.queue[0].dueMs <= nowMs && !state.blocked) {
      const { chunk } = state.queue.shift() as Queued;
      if (chunk === END) {
        sink.end();
        continue;
      }
      state.queuedBytes -= chunk.length;
      state.blocked = !sink.write(chunk);
    }
    if (state.queuedBytes < this.#bufferBytesMax && !state.blocked) this.#sourceOf(lane).resume();
    else this.#sourceOf(lane).pause();
    if (state.timer) clearTimeout(state.timer);
    state.timer = null;
    if (state.queue.length > 0 && !state.blocked) {
      const waitMs = Math.max(0, state.queue[0].dueMs - nowMs);
      state.timer = setTimeout(() => {
        state.timer = null;
        this.#flush(lane);
      }, waitMs);
    }
  }

  #sinkOf(lane: Lane): Socket {
    return lane === "toTarget" ? this.#target : this.#client;
  }

  #sourceOf(lane: Lane): Socket {
    return lane === "toTarget" ? this.#client : this.#target;
  }
}

/** Marks a half-close queued behind delayed data. */
const END = new Uint8Array(0);
