// One end of a simulated TCP connection.
//
// Each direction is an ordered byte stream: writes are cut into chunks (sometimes small ones, so
// frame parsers meet every chunking), each chunk gets a random latency, and delivery times never
// decrease within a direction, so order holds while different connections interleave freely.
// Bytes written but not yet read by the peer count against inFlightBytesMax; write() resolves
// only once its last byte fits in that budget, which is the backpressure a real socket gives.
//
// End states: open -> closing (close() called, flushing) -> closed (FIN delivered); any state ->
// reset (loss, partition, peer crash: reads end, writes fail ECONNRESET); dead (this end's node
// crashed: nothing on it ever settles again, as the process that awaited it no longer exists).
//
// A one-way cut of this end's direction (env.blocked) holds back what arrives while it lasts:
// bytes, FIN, a lost chunk's reset and a crash's reset queue up in order (still counting against
// the in-flight budget) and arrive once the network drains them after the heal. Closing an end
// whose direction is cut is abortive (its stalled bytes are dropped, the peer is reset at the
// heal): a FIN that cannot arrive would hold close() for as long as the cut lasts.

import { type Connection, RuntimeIoError } from "../types.ts";
import type { SeededRandom } from "./prng.ts";

export interface LinkEnv {
  /** Runs fn after delayMs of virtual time, on behalf of a node. */
  schedule(owner: string, delayMs: number, fn: () => void): void;
  /** Virtual monotonic time. */
  elapsedMs(): number;
  /** One latency sample for a chunk from one node to another. */
  latencyMs(from: string, to: string): number;
  /** Current odds that a chunk is lost (which resets its connection). */
  lossOdds(): number;
  readonly random: SeededRandom;
  readonly inFlightBytesMax: number;
  /** Appends a line to the world's trace. */
  record(event: string): void;
  /** True while the one-way direction from -> to is cut. */
  blocked(from: string, to: string): boolean;
  /** A chunk sent at sentMs from one node arrived at another (for reorder counts). */
  delivered(from: string, to: string, sentMs: number): void;
  /** end holds stalled arrivals now: drain() it after the heal. */
  stalled(end: SimConnection): void;
}

type EndState = "open" | "closing" | "closed" | "reset" | "dead";

interface PendingWrite {
  data: Uint8Array;
  offset: number;
  resolve: () => void;
  reject: (err: unknown) => void;
}

const SEGMENT_BYTES_MAX = 16 * 1024;

export class SimConnection implements Connection {
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly closed: Promise<void>;
  /** Node this end lives on; "connection id/a" or "/b" names it in traces. */
  readonly node: string;
  readonly label: string;
  peer!: SimConnection;
  #state: EndState = "open";
  #inbox: Uint8Array[] = [];
  #readers: Array<(chunk: Uint8Array | null) => void> = [];
  #finReceived = false;
  #finSent = false;
  #outbox: PendingWrite[] = [];
  #inFlightBytes = 0;
  #lastDeliveryMs = 0;
  #closeWaiters: Array<() => void> = [];
  /** Arrivals at the peer held back by a one-way cut, in order. */
  #stalled: Array<() => void> = [];
  #markClosed!: () => void;
  readonly #env: LinkEnv;

  constructor(
    env: LinkEnv,
    node: string,
    label: string,
    remote: { address: string; port: number },
  ) {
    this.#env = env;
    this.node = node;
    this.label = label;
    this.remoteAddress = remote.address;
    this.remotePort = remote.port;
    this.closed = new Promise((resolve) => (this.#markClosed = resolve));
  }

  get state(): EndState {
    return this.#state;
  }

  read(): Promise<Uint8Array | null> {
    if (this.#state === "dead") return new Promise(() => {});
    const chunk = this.#inbox.shift();
    if (chunk !== undefined) {
      this.peer.#credit(chunk.length);
      return Promise.resolve(chunk);
    }
    if (this.#finReceived || this.#state !== "open") return Promise.resolve(null);
    return new Promise((resolve) => this.#readers.push(resolve));
  }

  write(data: Uint8Array): Promise<void> {
    if (this.#state === "dead") return new Promise(() => {});
    if (this.#state === "reset") return Promise.reject(resetError(this.label));
    if (this.#state !== "open" || this.#finReceived) {
      return Promise.reject(
        new RuntimeIoError("ECLOSED", `write on closed connection ${this.label}`),
      );
    }
    if (data.length === 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.#outbox.push({ data: data.slice(), offset: 0, resolve, reject });
      this.#pump();
    });
  }

  close(): Promise<void> {
    if (this.#state === "dead") return new Promise(() => {});
    if (this.#state === "closed" || this.#state === "reset") return Promise.resolve();
    const done = new Promise<void>((resolve) => this.#closeWaiters.push(resolve));
    if (this.#state === "open" && this.#cutOff()) {
      this.#abortStalled("closed");
      return done;
    }
    if (this.#state === "open") {
      this.#state = "closing";
      // Closing both directions: nothing more will be read here.
      this.peer.#credit(this.#inbox.reduce((sum, chunk) => sum + chunk.length, 0));
      this.#inbox = [];
      this.#wakeReaders();
      this.#pump();
    }
    return done;
  }

  /** Abortive close from the network (loss, partition, crashed peer). */
  reset(reason: string): void {
    if (this.#state === "dead" || this.#state === "closed" || this.#state === "reset") return;
    this.#env.record(`reset ${this.label} (${reason})`);
    this.#state = "reset";
    this.#inbox = [];
    this.#stalled = [];
    this.#wakeReaders();
    for (const pending of this.#outbox.splice(0)) pending.reject(resetError(this.label));
    this.#finish();
  }

  /** This end's node crashed: its promises stay pending forever; the peer learns by a reset. */
  kill(): void {
    if (this.#state === "dead") return;
    this.#state = "dead";
    this.#inbox = [];
    this.#readers = [];
    this.#outbox = [];
    this.#closeWaiters = [];
    this.#stalled = [];
    const peer = this.peer;
    this.#env.schedule(
      "",
      this.#env.latencyMs(this.node, peer.node),
      () => this.#arrive(() => peer.reset("peer crashed")),
    );
  }

  /** The network cut this end's direction: a close in progress becomes abortive. */
  cutOutgoing(): void {
    if (this.#state === "closing") this.#abortStalled("closing");
  }

  /** After a heal: delivers the stalled arrivals in order; true when none is left. */
  drain(): boolean {
    while (this.#stalled.length > 0 && !this.#env.blocked(this.node, this.peer.node)) {
      (this.#stalled.shift() as () => void)();
    }
    return this.#stalled.length === 0;
  }

  #cutOff(): boolean {
    return this.#stalled.length > 0 || this.#env.blocked(this.node, this.peer.node);
  }

  /** Runs an arrival at the peer now, or queues it behind a one-way cut. */
  #arrive(fn: () => void): void {
    if (!this.#cutOff()) return fn();
    if (this.#stalled.length === 0) this.#env.stalled(this);
    this.#stalled.push(fn);
  }

  /** Close (or a close under way) while the direction is cut: see the header. */
  #abortStalled(why: string): void {
    this.#env.record(`abort ${this.label} (${why} while cut one way)`);
    for (const pending of this.#outbox.splice(0)) {
      pending.reject(new RuntimeIoError("ECLOSED", `connection ${this.label} closed while cut`));
    }
    this.#inbox = [];
    this.#wakeReaders();
    const peer = this.peer;
    const hadStalled = this.#stalled.length > 0;
    this.#stalled = [() => peer.reset("peer closed while cut")];
    if (!hadStalled) this.#env.stalled(this);
    this.#state = "closed";
    this.#finish();
  }

  #pump(): void {
    const env = this.#env;
    for (;;) {
      const head = this.#outbox[0];
      if (head === undefined) break;
      const remaining = head.data.length - head.offset;
      const available = env.inFlightBytesMax - this.#inFlightBytes;
      // Silly-window avoidance, as in TCP: wait for room for a full segment (or half the budget)
      // instead of trickling ever smaller chunks as credit returns.
      if (available < Math.min(remaining, SEGMENT_BYTES_MAX, env.inFlightBytesMax / 2)) break;
      let size = Math.min(remaining, available, SEGMENT_BYTES_MAX);
      // Now and then cut a segment short, so readers meet arbitrary chunk boundaries.
      if (size > 1 && env.random.int(8) === 0) size = 1 + env.random.int(size - 1);
      this.#send(head.data.subarray(head.offset, head.offset + size));
      head.offset += size;
      if (head.offset === head.data.length) {
        this.#outbox.shift();
        head.resolve();
      }
    }
    if (this.#state === "closing" && this.#outbox.length === 0 && !this.#finSent) this.#sendFin();
  }

  #send(chunk: Uint8Array): void {
    this.#inFlightBytes += chunk.length;
    const sentMs = this.#env.elapsedMs();
    const delayMs = this.#deliveryDelayMs();
    const peer = this.peer;
    if (this.#env.random.float() < this.#env.lossOdds()) {
      this.#env.record(`lose ${this.label} ${chunk.length}B`);
      this.#env.schedule(this.node, delayMs, () =>
        this.#arrive(() => {
          this.reset("chunk lost");
          peer.reset("chunk lost");
        }));
      return;
    }
    this.#env.schedule(this.node, delayMs, () => this.#arrive(() => peer.#deliver(chunk, sentMs)));
  }

  #sendFin(): void {
    this.#finSent = true;
    const peer = this.peer;
    this.#env.schedule(this.node, this.#deliveryDelayMs(), () =>
      this.#arrive(() => {
        if (this.#state !== "closing") return;
        peer.#receiveFin();
        this.#finish();
      }));
  }

  /** Latency for the next chunk, never earlier than the previous chunk of this direction. */
  #deliveryDelayMs(): number {
    const now = this.#env.elapsedMs();
    const due = Math.max(
      this.#lastDeliveryMs,
      now + this.#env.latencyMs(this.node, this.peer.node),
    );
    this.#lastDeliveryMs = due;
    return due - now;
  }

  #deliver(chunk: Uint8Array, sentMs: number): void {
    if (this.#state !== "open") {
      // Nobody will read it (we closed, or were reset): release the sender's budget.
      if (this.#state === "closing") this.peer.#credit(chunk.length);
      return;
    }
    this.#env.record(`deliver ${this.peer.label} ${chunk.length}B`);
    this.#env.delivered(this.peer.node, this.node, sentMs);
    const reader = this.#readers.shift();
    if (reader === undefined) {
      this.#inbox.push(chunk);
      return;
    }
    this.peer.#credit(chunk.length);
    reader(chunk);
  }

  #receiveFin(): void {
    if (this.#state !== "open") return;
    this.#env.record(`fin ${this.peer.label}`);
    this.#finReceived = true;
    this.#state = "closed";
    for (const pending of this.#outbox.splice(0)) {
      pending.reject(new RuntimeIoError("ECLOSED", `peer closed connection ${this.label}`));
    }
    if (this.#inbox.length === 0) this.#wakeReaders();
    this.#finish();
  }

  #credit(bytes: number): void {
    if (this.#state === "dead") return;
    this.#inFlightBytes -= bytes;
    this.#pump();
  }

  #wakeReaders(): void {
    for (const reader of this.#readers.splice(0)) reader(null);
  }

  #finish(): void {
    if (this.#state === "closing") this.#state = "closed";
    for (const waiter of this.#closeWaiters.splice(0)) waiter();
    this.#markClosed();
  }
}

function resetError(label: string): RuntimeIoError {
  return new RuntimeIoError("ECONNRESET", `connection ${label} was reset`);
}
