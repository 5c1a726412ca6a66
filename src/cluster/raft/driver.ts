// The controller's Raft driver: owns a RaftNode (src/controller/raft, sans-IO) and carries out
// its effects over the Runtime, in order (docs/controller.md "Driver and storage"):
//
// - Events (timers, messages, proposals, finished writes) are stepped one at a time, and the
//   effects of one step are carried out before the next event is stepped.
// - persistHardState is a barrier: term and vote are fsynced before any later effect (a send that
//   depends on the vote) is carried out.
// - appendLog, installSnapshot and compactLog go to one background write chain, in order; each
//   finished log write is stepped back as a `persisted` event, so the node counts and
//   acknowledges only entries that are on disk.
// - A storage failure stops the driver (raft.driver.failed): a node that cannot make its writes
//   durable must not vote or acknowledge any more. It is restarted by reopening it.
import { isIoError, type Runtime, type TimerHandle } from "../../../runtime/types.ts";
import { decodeRaftMessage, encodeRaftMessage } from "../../controller/raft/codec.ts";
import { RaftNode } from "../../controller/raft/node.ts";
import type {
  Entry,
  RaftConfig,
  RaftEffect,
  RaftEvent,
  RaftRole,
  TimerName,
} from "../../controller/raft/types.ts";
import type { Logger } from "../../logging/logger.ts";
import { RateLimitedLog } from "../../logging/rate-limit.ts";
import { assert, toTributaryError, TributaryError } from "../../model/errors.ts";
import { RaftStorage } from "./storage.ts";

/**
 * Carries codec bytes to another voter, best effort (Raft retries what is lost). A send that
 * throws is logged (raft.send.failed, rate-limited) and counts as lost.
 */
export interface RaftTransport {
  send(to: number, bytes: Uint8Array): void;
}

export interface RaftDriverOptions {
  dataDir: string;
  config: RaftConfig;
  logger: Logger;
  transport: RaftTransport;
  /** Every this many applied entries the state machine is asked for a snapshot. */
  snapshotEveryEntries: number;
  /** The state machine's image as of applied index `index` (opaque to Raft). */
  takeSnapshot: (index: number) => Uint8Array;
}

export interface CommittedEntry {
  index: number;
  term: number;
  /** null: the no-op a leader commits at the start of its term. */
  data: Uint8Array | null;
}

export interface RaftStatus {
  role: RaftRole;
  term: number;
  leaderId: number | null;
  commitIndex: number;
  lastIndex: number;
  appliedIndex: number;
}

/** NOT_CONTROLLER with the leader this node knows of (null: none yet), for the caller to retry at. */
export class NotControllerError extends TributaryError {
  readonly leaderId: number | null;
  constructor(leaderId: number | null, message: string) {
    super("NOT_CONTROLLER", message);
    this.leaderId = leaderId;
  }
}

type CommitListener = (entries: CommittedEntry[]) => void;
type SnapshotListener = (index: number, term: number, data: Uint8Array) => void;
type LeaderListener = (leaderId: number | null, term: number) => void;

interface Proposal {
  resolve: (at: { index: number; term: number }) => void;
  reject: (err: Error) => void;
}

interface Queued {
  /** An event to step, or (at start) effects the node already returned. */
  event: RaftEvent | { type: "started"; effects: RaftEffect[] };
  /** For a propose event: told what the node made of it. */
  proposal?: Proposal;
}

function closedError(): NotControllerError {
  return new NotControllerError(null, "raft driver closed");
}

const DROPPED_LOG_INTERVAL_MS = 10_000;
const DROPPED_LOG_PER_INTERVAL = 5;

export class RaftDriver {
  readonly #rt: Runtime;
  readonly #options: RaftDriverOptions;
  readonly #storage: RaftStorage;
  readonly #node: RaftNode;
  readonly #logger: Logger;
  readonly #dropLog: RateLimitedLog;
  readonly #initialSnapshot: { index: number; term: number; data: Uint8Array } | null;
  readonly #timers = new Map<TimerName, TimerHandle>();
  readonly #queue: Queued[] = [];
  #pumping: Promise<void> | null = null;
  #writes: Promise<void> = Promise.resolve();
  /** Accepted proposals by index, waiting for their entry to commit. */
  readonly #waiting = new Map<number, Proposal & { term: number }>();
  readonly #commitListeners: CommitListener[] = [];
  readonly #snapshotListeners: SnapshotListener[] = [];
  readonly #leaderListeners: LeaderListener[] = [];
  #appliedIndex: number;
  #snapshotIndex: number;
  #started = false;
  #closed = false;
  #failure: TributaryError | null = null;
  /** Messages dropped as undecodable or refused by the node. */
  droppedMessages = 0;

  private constructor(
    rt: Runtime,
    options: RaftDriverOptions,
    storage: RaftStorage,
    node: RaftNode,
    initialSnapshot: { index: number; term: number; data: Uint8Array } | null,
  ) {
    assert(options.snapshotEveryEntries >= 1, "snapshotEveryEntries is at least 1");
    this.#rt = rt;
    this.#options = options;
    this.#storage = storage;
    this.#node = node;
    this.#logger = options.logger.with({ raftNode: options.config.nodeId });
    this.#dropLog = new RateLimitedLog(this.#logger, {
      intervalMs: DROPPED_LOG_INTERVAL_MS,
      perIntervalMax: DROPPED_LOG_PER_INTERVAL,
      monotonicMs: () => rt.clock.monotonicMs(),
    });
    this.#initialSnapshot = initialSnapshot;
    this.#appliedIndex = node.log.startIndex;
    this.#snapshotIndex = node.log.startIndex;
  }

  /**
   * Loads the node's durable state from dataDir (cutting a torn log tail) and builds the node.
   * The driver is idle until start(): register the listeners first, so none misses the
   * snapshot the state machine restarts from.
   */
  static async open(rt: Runtime, options: RaftDriverOptions): Promise<RaftDriver> {
    const storage = await RaftStorage.open(rt.fs, options.dataDir, options.logger);
    const state = await storage.load();
    const node = new RaftNode(options.config, rt.random, state);
    const snapshot = state.snapshot === null || state.snapshot === undefined
      ? null
      : { index: state.logStartIndex, term: state.logStartTerm, data: state.snapshot };
    return new RaftDriver(rt, options, storage, node, snapshot);
  }

  /**
   * Every committed entry, in index order, once per process life. After a restart the state
   * machine is first handed the snapshot (onSnapshot), then the entries after it again.
   */
  onCommit(listener: CommitListener): void {
    this.#commitListeners.push(listener);
  }

  /** The state machine must reset to this image (at start, or when the leader sent one). */
  onSnapshot(listener: SnapshotListener): void {
    this.#snapshotListeners.push(listener);
  }

  onLeaderChange(listener: LeaderListener): void {
    this.#leaderListeners.push(listener);
  }

  /** Hands the loaded snapshot to the state machine and arms the election timer. */
  start(): void {
    assert(!this.#started, "a raft driver starts once");
    this.#started = true;
    const snapshot = this.#initialSnapshot;
    if (snapshot !== null) {
      for (const listener of this.#snapshotListeners) {
        listener(snapshot.index, snapshot.term, snapshot.data);
      }
    }
    this.#logger.info("raft.started", "raft driver started", {
      term: this.#node.term,
      logStartIndex: this.#node.log.startIndex,
      lastIndex: this.#node.log.lastIndex,
    });
    this.#enqueue({ event: { type: "started", effects: this.#node.start(this.#nowMs()) } });
  }

  /**
   * Appends data to the log and resolves with its position once it is committed. Rejects with
   * NotControllerError (NOT_CONTROLLER, naming the known leader) when this node is not the
   * leader, and when it loses leadership before the entry commits: then the entry may still
   * commit later under the next leader, or be dropped. A caller that retries must tolerate the
   * entry appearing twice (make entries idempotent or check the committed log).
   */
  propose(data: Uint8Array): Promise<{ index: number; term: number }> {
    return new Promise((resolve, reject) => {
      if (this.#failure !== null) return reject(this.#failure);
      if (!this.#started || this.#closed) {
        return reject(new NotControllerError(null, "raft driver is not running"));
      }
      this.#enqueue({ event: { type: "propose", data }, proposal: { resolve, reject } });
    });
  }

  /** Bytes from another voter; undecodable ones are dropped and counted. */
  receive(from: number, bytes: Uint8Array): void {
    if (!this.#started || this.#closed || this.#failure !== null) return;
    let message;
    try {
      message = decodeRaftMessage(bytes);
    } catch (err) {
      this.#dropped(from, toTributaryError(err).message);
      return;
    }
    this.#enqueue({ event: { type: "message", from, message } });
  }

  status(): RaftStatus {
    const node = this.#node;
    return {
      role: node.role,
      term: node.term,
      leaderId: node.leaderId,
      commitIndex: node.commitIndex,
      lastIndex: node.log.lastIndex,
      appliedIndex: this.#appliedIndex,
    };
  }

  /** Set when a write failed: the driver has stopped. */
  get failure(): TributaryError | null {
    return this.#failure;
  }

  /** Stops the timers, refuses waiting proposals, and waits for the writes under way. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#cancelTimers();
    for (const item of this.#queue) item.proposal?.reject(closedError());
    this.#queue.length = 0;
    this.#refuseWaiting();
    await this.#pumping;
    await this.#writes;
    await this.#storage.close();
  }

  // --- the event loop ---------------------------------------------------------------------

  #nowMs(): number {
    return this.#rt.clock.monotonicMs();
  }

  #enqueue(item: Queued): void {
    if (this.#closed || this.#failure !== null) {
      item.proposal?.reject(this.#failure ?? closedError());
      return;
    }
    this.#queue.push(item);
    this.#kick();
  }

  #kick(): void {
    if (this.#pumping !== null) return;
    this.#pumping = this.#pump().finally(() => {
      this.#pumping = null;
      if (this.#queue.length > 0 && !this.#closed && this.#failure === null) this.#kick();
    });
  }

  /** Steps queued events one at a time; carries out each one's effects before the next. */
  async #pump(): Promise<void> {
    while (this.#queue.length > 0 && !this.#closed && this.#failure === null) {
      const item = this.#queue.shift() as Queued;
      try {
        const event = item.event;
        const effects = event.type === "started"
          ? event.effects
          : this.#node.step(event, this.#nowMs());
        await this.#carryOut(effects, item.proposal);
        // Closed or stopped while its effects were carried out: the answer may never have been
        // recorded (a rejection after one is a no-op).
        if (this.#closed || this.#failure !== null) {
          item.proposal?.reject(this.#failure ?? closedError());
        }
      } catch (err) {
        item.proposal?.reject(toTributaryError(err));
        this.#fail(err);
      }
    }
  }

  async #carryOut(effects: RaftEffect[], proposal?: Proposal): Promise<void> {
    for (const effect of effects) {
      if (this.#closed || this.#failure !== null) return;
      switch (effect.type) {
        case "persistHardState":
          await this.#storage.saveHardState(effect.term, effect.votedFor);
          break;
        case "appendLog": {
          const { writeId, fromIndex, entries } = effect;
          this.#write(() => this.#storage.append(fromIndex, entries), writeId);
          break;
        }
        case "installSnapshot":
          this.#installSnapshot(effect.writeId, effect.index, effect.term, effect.data);
          break;
        case "compactLog": {
          const index = effect.index;
          this.#write(() => this.#storage.compact(index), null);
          break;
        }
        case "send":
          this.#send(effect.to, encodeRaftMessage(effect.message));
          break;
        case "setTimer":
          this.#setTimer(effect.timer, effect.atMs);
          break;
        case "commit":
          this.#commit(effect.fromIndex, effect.entries);
          break;
        case "leaderChanged":
          this.#leaderChanged(effect.leaderId, effect.term);
          break;
        case "messageDropped":
          this.#dropped(effect.from, effect.reason);
          break;
        case "proposed":
          assert(proposal !== undefined, "a proposed effect answers a proposal");
          this.#waiting.set(effect.index, { ...proposal, term: effect.term });
          break;
        case "proposalRefused":
          assert(proposal !== undefined, "a refusal answers a proposal");
          proposal.reject(
            new NotControllerError(
              effect.leaderId,
              `controller ${this.#options.config.nodeId} is not the leader` +
                (effect.leaderId === null ? " (none known)" : `; try ${effect.leaderId}`),
            ),
          );
          break;
      }
    }
  }

  /** Queues a storage write after every earlier one; a log write is stepped back as persisted. */
  #write(write: () => Promise<void>, writeId: number | null): void {
    this.#writes = this.#writes.then(async () => {
      if (this.#failure !== null) return;
      try {
        await write();
      } catch (err) {
        this.#fail(err);
        return;
      }
      if (writeId !== null) this.#enqueue({ event: { type: "persisted", writeId } });
    });
  }

  #installSnapshot(writeId: number, index: number, term: number, data: Uint8Array): void {
    this.#write(() => this.#storage.installSnapshot({ index, term, data }), writeId);
    // The state machine resets now; what it applies next follows the snapshot. Were the process
    // to die before the write lands, it restarts from the old snapshot and log, which is fine:
    // commits are redelivered from there.
    for (const [at, waiting] of this.#waiting) {
      if (at > index) continue;
      this.#waiting.delete(at);
      waiting.reject(new NotControllerError(this.#node.leaderId, "replaced by a snapshot"));
    }
    this.#appliedIndex = index;
    this.#snapshotIndex = index;
    for (const listener of this.#snapshotListeners) listener(index, term, data);
  }

  #commit(fromIndex: number, entries: readonly Entry[]): void {
    assert(fromIndex === this.#appliedIndex + 1, "raft commits arrive in index order");
    const committed = entries.map((entry, i) => ({
      index: fromIndex + i,
      term: entry.term,
      data: entry.data,
    }));
    this.#appliedIndex += committed.length;
    for (const listener of this.#commitListeners) listener(committed);
    for (const entry of committed) {
      const waiting = this.#waiting.get(entry.index);
      if (waiting === undefined) continue;
      this.#waiting.delete(entry.index);
      if (waiting.term === entry.term) waiting.resolve({ index: entry.index, term: entry.term });
      else waiting.reject(new NotControllerError(this.#node.leaderId, "entry was replaced"));
    }
    if (this.#appliedIndex - this.#snapshotIndex >= this.#options.snapshotEveryEntries) {
      this.#takeSnapshot(committed[committed.length - 1]);
    }
  }

  #takeSnapshot(last: CommittedEntry): void {
    const { index, term } = last;
    const data = this.#options.takeSnapshot(index);
    this.#snapshotIndex = index;
    this.#writes = this.#writes.then(async () => {
      if (this.#failure !== null) return;
      try {
        await this.#storage.saveSnapshot({ index, term, data });
      } catch (err) {
        this.#fail(err);
        return;
      }
      this.#enqueue({ event: { type: "snapshotTaken", index, data } });
    });
  }

  #leaderChanged(leaderId: number | null, term: number): void {
    this.#logger.info("raft.leader.changed", "raft leader changed", { leaderId, term });
    if (leaderId !== this.#options.config.nodeId) {
      for (const waiting of this.#waiting.values()) {
        waiting.reject(
          new NotControllerError(leaderId, "leadership lost before the entry committed"),
        );
      }
      this.#waiting.clear();
    }
    for (const listener of this.#leaderListeners) listener(leaderId, term);
  }

  /**
   * The node ignores a timer that fires before its deadline and sets no new one, so one the
   * host runs early (setTimeout rounds to whole ms, the monotonic clock does not) is re-armed
   * for what is left rather than stepped.
   */
  #setTimer(timer: TimerName, atMs: number): void {
    this.#timers.get(timer)?.cancel();
    const arm = () => {
      const delayMs = Math.max(0, Math.ceil(atMs - this.#nowMs()));
      this.#timers.set(
        timer,
        this.#rt.timers.setTimeout(() => {
          if (this.#nowMs() < atMs) return arm();
          this.#timers.delete(timer);
          this.#enqueue({ event: { type: "timer", timer } });
        }, delayMs),
      );
    };
    arm();
  }

  #cancelTimers(): void {
    for (const handle of this.#timers.values()) handle.cancel();
    this.#timers.clear();
  }

  /** Raft copes with lost messages: a transport that throws loses one, it does not stop Raft. */
  #send(to: number, bytes: Uint8Array): void {
    try {
      this.#options.transport.send(to, bytes);
    } catch (err) {
      this.#dropLog.log("warn", `to:${to}`, "raft.send.failed", "could not send a raft message", {
        to,
        error: err instanceof Error ? err.message : String(err),
      });
    }
  }

  #dropped(from: number, reason: string): void {
    this.droppedMessages++;
    this.#dropLog.log("warn", `from:${from}`, "raft.message.dropped", "dropped a raft message", {
      from,
      reason,
    });
  }

  #refuseWaiting(): void {
    for (const waiting of this.#waiting.values()) waiting.reject(closedError());
    this.#waiting.clear();
  }

  #fail(err: unknown): void {
    if (this.#failure !== null) return;
    // A failed write (or a bug) leaves memory ahead of the disk: voting or acknowledging on
    // from here could break Raft's promises, so the node stops until it is reopened.
    this.#failure = isIoError(err)
      ? new TributaryError("KAFKA_STORAGE_ERROR", `raft storage: ${err.message}`, { cause: err })
      : toTributaryError(err);
    this.#logger.error("raft.driver.failed", "raft driver stopped", {
      code: this.#failure.code,
      error: this.#failure.message,
    });
    this.#cancelTimers();
    for (const item of this.#queue) item.proposal?.reject(this.#failure);
    this.#queue.length = 0;
    for (const waiting of this.#waiting.values()) waiting.reject(this.#failure);
    this.#waiting.clear();
  }
}
