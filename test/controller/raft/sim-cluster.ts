// A whole Raft quorum in one process for the seeded simulation: every node a real RaftNode, a
// network of delayed messages with loss, duplication, reordering and (a)symmetric partitions,
// and a disk per node whose log writes complete in order after a delay. A crash keeps what the
// disk holds (plus a random prefix of the writes in flight: written but never acknowledged) and
// loses everything else; a restart builds a new RaftNode from that.
//
// Checked after every event (SimChecks): at most one leader per term, log matching, committed
// entries never change, are durable on a majority and are in every later leader's log, and each
// node applies the one committed sequence in order.
import { SeededRandom } from "../../../runtime/sim/prng.ts";
import { RaftNode } from "../../../src/controller/raft/node.ts";
import type {
  Entry,
  RaftConfig,
  RaftEffect,
  RaftEvent,
  RaftMessage,
  TimerName,
} from "../../../src/controller/raft/types.ts";
import { EventQueue } from "./event-queue.ts";
import { entryKey, SimChecks } from "./sim-checks.ts";
import { SimDisk, type SimSnapshot } from "./sim-disk.ts";

/** A disk operation in flight, completed in order. */
type DiskWrite =
  | { kind: "append"; writeId: number; fromIndex: number; entries: readonly Entry[] }
  | { kind: "install"; writeId: number; snapshot: SimSnapshot }
  | { kind: "compact"; index: number };

const encoder = new TextEncoder();
const decoder = new TextDecoder();

interface SimNode {
  readonly id: number;
  raft: RaftNode | null;
  incarnation: number;
  readonly disk: SimDisk;
  pending: DiskWrite[];
  lastWriteDoneMs: number;
  readonly timerGen: Record<TimerName, number>;
  appliedCount: number;
}

type SimEvent =
  | { kind: "deliver"; from: number; to: number; message: RaftMessage }
  | { kind: "timer"; node: number; incarnation: number; timer: TimerName; gen: number }
  | { kind: "write"; node: number; incarnation: number }
  | { kind: "action"; run: () => void };

export interface SimOptions {
  seed: number;
  nodeCount: number;
  faultPhaseMs: number;
  livenessBoundMs: number;
  trace: (line: string) => void;
}

export interface SimResult {
  /** From healing to a proposal applied on every node. */
  livenessMs: number;
  committed: number;
  proposals: number;
  terms: number;
  snapshotsInstalled: number;
}

export const SIM_RAFT_CONFIG = {
  electionTimeoutMs: 300,
  heartbeatIntervalMs: 50,
  appendEntriesMax: 16,
} as const;

const EVENTS_MAX = 2_000_000;
/** A node snapshots once this many applied entries are past its log start (then at random). */
const SNAPSHOT_EVERY_ENTRIES = 24;

export class SimCluster {
  readonly nodes: SimNode[] = [];
  readonly checks: SimChecks;
  readonly #options: SimOptions;
  readonly #rng: SeededRandom;
  readonly #net: SeededRandom;
  readonly #faults: SeededRandom;
  readonly #disk: SeededRandom;
  readonly #queue = new EventQueue<SimEvent>();
  readonly #blocked = new Set<string>();
  #lossRate = 0;
  #dupRate = 0;
  /** Chance that a node crashes right after a step, its messages sent (restarts soon after). */
  #crashAfterStepRate = 0;
  #delayMsMax = 10;
  #nowMs = 0;
  #events = 0;
  #proposals = 0;
  #snapshotsInstalled = 0;
  #leaderHint: number | null = null;
  readonly #ids: number[];

  constructor(options: SimOptions) {
    this.#options = options;
    this.#rng = new SeededRandom(options.seed);
    this.#net = this.#rng.fork("net");
    this.#faults = this.#rng.fork("faults");
    this.#disk = this.#rng.fork("disk");
    this.#ids = Array.from({ length: options.nodeCount }, (_, i) => i + 1);
    this.checks = new SimChecks(options.nodeCount);
    for (const id of this.#ids) {
      this.nodes.push({
        id,
        raft: null,
        incarnation: 0,
        disk: new SimDisk(),
        pending: [],
        lastWriteDoneMs: 0,
        timerGen: { election: 0, heartbeat: 0 },
        appliedCount: 0,
      });
    }
    for (const node of this.nodes) this.#boot(node);
  }

  get nowMs(): number {
    return this.#nowMs;
  }

  /** Faults and proposals for faultPhaseMs, then heal and require progress within the bound. */
  run(): SimResult {
    this.#scheduleFaults();
    this.#scheduleProposals();
    this.#runUntil(this.#options.faultPhaseMs);
    this.#heal();
    const healedMs = this.#nowMs;
    const liveMs = this.#awaitLiveness(healedMs + this.#options.livenessBoundMs);
    return {
      livenessMs: liveMs - healedMs,
      committed: this.checks.committedCount,
      proposals: this.#proposals,
      terms: this.checks.leaderTerms,
      snapshotsInstalled: this.#snapshotsInstalled,
    };
  }

  // --- nodes ------------------------------------------------------------------------------

  #config(id: number): RaftConfig {
    return { nodeId: id, voterIds: this.#ids, ...SIM_RAFT_CONFIG };
  }

  #boot(node: SimNode): void {
    node.incarnation++;
    node.pending = [];
    // The state machine restarts from the snapshot; the log replays on top of it.
    node.appliedCount = node.disk.snapshot?.index ?? 0;
    node.lastWriteDoneMs = this.#nowMs;
    const random = this.#rng.fork(`node${node.id}#${node.incarnation}`);
    node.raft = new RaftNode(this.#config(node.id), random, node.disk.load());
    this.#execute(node, node.raft.start(this.#nowMs));
  }

  #crash(node: SimNode): void {
    if (node.raft === null) return;
    // Writes the disk finished but never acknowledged survive; the rest are lost.
    const survive = this.#disk.int(node.pending.length + 1);
    for (const write of node.pending.slice(0, survive)) this.#applyWrite(node, write);
    node.raft = null;
    node.pending = [];
    node.incarnation++;
    this.#options.trace(`${this.#nowMs}ms crash n${node.id} (kept ${survive} unacked writes)`);
  }

  #step(node: SimNode, event: RaftEvent): void {
    const raft = node.raft;
    if (raft === null) return;
    this.#execute(node, raft.step(event, this.#nowMs));
    this.checks.afterStep(node.id, raft, node.disk);
    this.#maybeSnapshot(node, raft);
    if (this.#faults.chance(this.#crashAfterStepRate)) {
      this.#crash(node);
      this.#at(this.#nowMs + this.#faults.int(400), () => {
        if (node.raft === null) this.#boot(node);
      });
    }
  }

  #execute(node: SimNode, effects: RaftEffect[]): void {
    const raft = node.raft as RaftNode;
    for (const effect of effects) {
      switch (effect.type) {
        case "persistHardState":
          node.disk.term = effect.term;
          node.disk.votedFor = effect.votedFor;
          break;
        case "appendLog":
          this.checks.onAppend(node.id, raft, effect.fromIndex, effect.entries);
          this.#queueWrite(node, { kind: "append", ...effect });
          break;
        case "installSnapshot": {
          const keys = JSON.parse(decoder.decode(effect.data)) as string[];
          this.checks.onSnapshot(node.id, effect.index, keys);
          const { writeId, index, term, data } = effect;
          this.#queueWrite(node, {
            kind: "install",
            writeId,
            snapshot: { index, term, data, keys },
          });
          node.appliedCount = effect.index;
          this.#snapshotsInstalled++;
          this.#options.trace(`${this.#nowMs}ms n${node.id} installs a snapshot at ${index}`);
          break;
        }
        case "compactLog":
          this.#queueWrite(node, { kind: "compact", index: effect.index });
          break;
        case "send":
          this.#send(node.id, effect.to, effect.message);
          break;
        case "setTimer": {
          const gen = ++node.timerGen[effect.timer];
          this.#queue.push(Math.max(effect.atMs, this.#nowMs), {
            kind: "timer",
            node: node.id,
            incarnation: node.incarnation,
            timer: effect.timer,
            gen,
          });
          break;
        }
        case "commit":
          this.checks.onCommit(
            node.id,
            node.appliedCount,
            effect.fromIndex,
            effect.entries,
            this.nodes,
          );
          node.appliedCount = effect.fromIndex + effect.entries.length - 1;
          break;
        case "leaderChanged":
          this.#options.trace(
            `${this.#nowMs}ms n${node.id} term ${effect.term} leader ${effect.leaderId}`,
          );
          if (effect.leaderId === node.id) this.checks.onBecomeLeader(node.id, raft);
          if (effect.leaderId !== null) this.#leaderHint = effect.leaderId;
          break;
        case "messageDropped":
          throw new Error(`n${node.id} dropped a message from n${effect.from}: ${effect.reason}`);
        case "proposed":
          break;
        case "proposalRefused":
          if (effect.leaderId !== null) this.#leaderHint = effect.leaderId;
          break;
      }
    }
  }

  #queueWrite(node: SimNode, write: DiskWrite): void {
    node.pending.push(write);
    node.lastWriteDoneMs = Math.max(node.lastWriteDoneMs, this.#nowMs + 1 + this.#disk.int(8));
    this.#queue.push(node.lastWriteDoneMs, {
      kind: "write",
      node: node.id,
      incarnation: node.incarnation,
    });
  }

  #applyWrite(node: SimNode, write: DiskWrite): void {
    if (write.kind === "append") {
      this.checks.onDiskWrite(node.id, node.disk, write.fromIndex, write.entries);
      node.disk.append(write.fromIndex, write.entries);
    } else if (write.kind === "install") {
      node.disk.install(write.snapshot);
    } else {
      node.disk.compact(write.index);
    }
  }

  /** Now and then a node snapshots what it has applied, so its log can be compacted. */
  #maybeSnapshot(node: SimNode, raft: RaftNode): void {
    if (node.raft !== raft || node.appliedCount - raft.log.startIndex < SNAPSHOT_EVERY_ENTRIES) {
      return;
    }
    if (!this.#disk.chance(0.2)) return;
    const index = node.appliedCount;
    const keys = this.checks.committedKeys(index);
    const data = encoder.encode(JSON.stringify(keys));
    // Saved durably before Raft hears of it: the real driver writes the snapshot file first.
    node.disk.snapshot = { index, term: raft.log.termAt(index) as number, data, keys };
    this.#execute(node, raft.step({ type: "snapshotTaken", index, data }, this.#nowMs));
  }

  // --- network ----------------------------------------------------------------------------

  #send(from: number, to: number, message: RaftMessage): void {
    if (message.type === "voteResponse" && message.granted) {
      this.checks.onVote(from, to, message.term);
    }
    if (this.#blocked.has(`${from}>${to}`) || this.#net.chance(this.#lossRate)) return;
    const copies = this.#net.chance(this.#dupRate) ? 2 : 1;
    for (let i = 0; i < copies; i++) {
      const atMs = this.#nowMs + 1 + this.#net.int(this.#delayMsMax);
      this.#queue.push(atMs, { kind: "deliver", from, to, message });
    }
  }

  #dispatch(event: SimEvent): void {
    switch (event.kind) {
      case "deliver": {
        if (this.#blocked.has(`${event.from}>${event.to}`)) return;
        const node = this.nodes[event.to - 1];
        this.#step(node, { type: "message", from: event.from, message: event.message });
        return;
      }
      case "timer": {
        const node = this.nodes[event.node - 1];
        if (node.incarnation !== event.incarnation || node.timerGen[event.timer] !== event.gen) {
          return;
        }
        this.#step(node, { type: "timer", timer: event.timer });
        return;
      }
      case "write": {
        const node = this.nodes[event.node - 1];
        if (node.incarnation !== event.incarnation) return;
        const write = node.pending.shift();
        if (write === undefined) throw new Error(`n${node.id}: write completion with none pending`);
        this.#applyWrite(node, write);
        if (write.kind !== "compact") {
          this.#step(node, { type: "persisted", writeId: write.writeId });
        }
        return;
      }
      case "action":
        event.run();
        return;
    }
  }

  #runUntil(untilMs: number, done?: () => boolean): boolean {
    while (this.#queue.peekMs() <= untilMs) {
      if (++this.#events > EVENTS_MAX) throw new Error(`more than ${EVENTS_MAX} events`);
      const next = this.#queue.pop() as { atMs: number; value: SimEvent };
      this.#nowMs = next.atMs;
      this.#dispatch(next.value);
      if (done?.()) return true;
    }
    this.#nowMs = Math.max(this.#nowMs, untilMs);
    return false;
  }

  // --- faults and clients -----------------------------------------------------------------

  #at(atMs: number, run: () => void): void {
    this.#queue.push(atMs, { kind: "action", run });
  }

  #scheduleFaults(): void {
    let atMs = 0;
    for (let i = 0; i < 200; i++) {
      atMs += 100 + this.#faults.int(600);
      if (atMs >= this.#options.faultPhaseMs) break;
      this.#at(atMs, () => this.#fault());
    }
  }

  #fault(): void {
    const rng = this.#faults;
    const ids = this.#ids;
    const pick = () => ids[rng.int(ids.length)];
    const choice = rng.int(11);
    let what: string;
    if (choice === 0) {
      this.#blocked.clear();
      what = "heal";
    } else if (choice === 1) {
      this.#blocked.clear();
      const side = new Set(ids.filter(() => rng.chance(0.5)));
      for (const a of ids) {
        for (const b of ids) if (side.has(a) !== side.has(b)) this.#blocked.add(`${a}>${b}`);
      }
      what = `partition {${[...side]}} | rest`;
    } else if (choice === 2) {
      const a = pick();
      const b = pick();
      if (a !== b) this.#blocked.add(`${a}>${b}`);
      what = `cut ${a}>${b} one way`;
    } else if (choice === 3) {
      this.#blocked.clear();
      const a = pick();
      for (const b of ids) if (a !== b) this.#blocked.add(`${a}>${b}`).add(`${b}>${a}`);
      what = `isolate ${a}`;
    } else if (choice === 4 || choice === 5) {
      const node = this.nodes[pick() - 1];
      if (node.raft !== null) this.#crash(node);
      else this.#boot(node);
      what = node.raft === null ? `crashed n${node.id}` : `restarted n${node.id}`;
    } else if (choice === 6) {
      this.#lossRate = [0, 0.02, 0.1, 0.3][rng.int(4)];
      what = `loss ${this.#lossRate}`;
    } else if (choice === 7) {
      this.#dupRate = [0, 0.05, 0.2][rng.int(3)];
      what = `duplication ${this.#dupRate}`;
    } else if (choice === 9 && ids.length >= 3) {
      // A bridge: two halves that cannot talk, and one node that talks to both.
      this.#blocked.clear();
      const bridge = pick();
      const side = new Set(ids.filter((id) => id !== bridge && rng.chance(0.5)));
      for (const a of ids) {
        for (const b of ids) {
          if (a !== bridge && b !== bridge && side.has(a) !== side.has(b)) {
            this.#blocked.add(`${a}>${b}`);
          }
        }
      }
      what = `bridge n${bridge} between {${[...side]}} and the rest`;
    } else if (choice === 8) {
      this.#crashAfterStepRate = [0, 0.002, 0.01, 0.03][rng.int(4)];
      what = `crash after a step with chance ${this.#crashAfterStepRate}`;
    } else {
      this.#delayMsMax = [5, 20, 80, 250][rng.int(4)];
      what = `delay up to ${this.#delayMsMax}ms`;
    }
    this.#options.trace(`${this.#nowMs}ms fault: ${what}`);
  }

  #scheduleProposals(): void {
    let atMs = 0;
    for (let i = 0; i < 1000; i++) {
      atMs += 5 + this.#faults.int(40);
      if (atMs >= this.#options.faultPhaseMs) break;
      this.#at(atMs, () => this.#propose(`p${i}`));
    }
  }

  #propose(text: string): void {
    const up = this.nodes.filter((node) => node.raft !== null);
    if (up.length === 0) return;
    const hinted = this.#leaderHint === null ? null : this.nodes[this.#leaderHint - 1];
    const target = hinted !== null && hinted.raft !== null && this.#faults.chance(0.8)
      ? hinted
      : up[this.#faults.int(up.length)];
    this.#proposals++;
    this.#step(target, { type: "propose", data: new TextEncoder().encode(text) });
  }

  #heal(): void {
    this.#blocked.clear();
    this.#lossRate = 0;
    this.#dupRate = 0;
    this.#crashAfterStepRate = 0;
    this.#delayMsMax = 10;
    for (const node of this.nodes) if (node.raft === null) this.#boot(node);
    this.#options.trace(`${this.#nowMs}ms heal: network whole, every node up`);
  }

  /** Proposes to whoever leads until one proposal is applied on every node; returns when. */
  #awaitLiveness(deadlineMs: number): number {
    let attempt = 0;
    let liveKeys: string[] = [];
    const applied = () => {
      for (const key of liveKeys) {
        const index = this.checks.indexOfCommitted(key);
        if (index !== null && this.nodes.every((node) => node.appliedCount >= index)) return true;
      }
      return false;
    };
    while (this.#nowMs < deadlineMs) {
      const leader = this.nodes.find((node) => node.raft?.role === "leader");
      if (leader !== undefined) {
        const raft = leader.raft as RaftNode;
        const text = `live${attempt++}`;
        liveKeys.push(entryKey({ term: raft.term, data: new TextEncoder().encode(text) }));
        this.#step(leader, { type: "propose", data: new TextEncoder().encode(text) });
        liveKeys = liveKeys.slice(-64);
      }
      if (this.#runUntil(Math.min(deadlineMs, this.#nowMs + 100), applied)) return this.#nowMs;
    }
    throw new Error(
      `no proposal committed on every node within ${this.#options.livenessBoundMs}ms after healing`,
    );
  }
}
