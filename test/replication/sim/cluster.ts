// A seeded multi-replica simulation of one partition, driving the real sans-IO replication
// states (leader, follower, purgatory) with an in-test controller and network: followers fetch on
// random schedules through loss, delay, duplication and cut-off nodes; leaders shrink and expand
// the ISR through AlterPartition; the controller fences a leader it has not heard from and
// elects another from the ISR (clean elections only), or moves leadership at random. The
// checker (checker.ts) runs after every event; at the end faults stop and the cluster must
// converge (liveness): a last acks=all produce is acknowledged and every log is the same.
import type { SeededRandom } from "../../../runtime/sim/prng.ts";
import { assert, type ErrorCodeName } from "../../../src/model/errors.ts";
import type { EpochEntry } from "../../../src/log/leader-epoch-cache.ts";
import { appendEpoch } from "../../../src/replication/epoch-lookup.ts";
import {
  type FollowerEffect,
  FollowerReplicaState,
} from "../../../src/replication/follower-replica.ts";
import { LeaderReplicaState } from "../../../src/replication/leader-replica.ts";
import type {
  AlterPartitionAnswer,
  AlterPartitionRequest,
  CommittedPartitionState,
  EpochEndAnswer,
  EpochEndRequest,
  FetchAnswer,
  FetchedBatch,
  ReplicaFetch,
} from "../../../src/replication/messages.ts";
import { acksAllAdmission, ProducePurgatory } from "../../../src/replication/produce-purgatory.ts";
import { type Entry, ReplicationChecker } from "./checker.ts";
import { CONTROLLER, SimNetwork } from "./network.ts";

type Message =
  | { kind: "fetch"; request: ReplicaFetch }
  | { kind: "fetch-answer"; answer: FetchAnswer; entries: Entry[] }
  | { kind: "epoch-end"; request: EpochEndRequest }
  | { kind: "epoch-end-answer"; answer: EpochEndAnswer }
  | { kind: "alter"; request: AlterPartitionRequest }
  | { kind: "alter-answer"; answer: AlterPartitionAnswer; proposalId: number }
  | { kind: "metadata"; state: CommittedPartitionState }
  | { kind: "heartbeat" };

interface Produce {
  key: number;
  entries: { offset: number; id: number }[];
}

type Role =
  | { kind: "none" }
  | {
    kind: "leader";
    state: LeaderReplicaState;
    purgatory: ProducePurgatory<number>;
    alterSentMs: number;
  }
  | { kind: "follower"; state: FollowerReplicaState; retryAtMs: number };

interface Replica {
  id: number;
  log: Entry[];
  highWatermark: number;
  /** The HW as last checkpointed: a restart reads this one, which lags (KIP-101 scenario 1). */
  highWatermarkCheckpoint: number;
  known: { leaderEpoch: number; partitionEpoch: number };
  role: Role;
}

export interface ClusterStats {
  acked: number;
  refusedNotEnough: number;
  afterAppend: number;
  timedOut: number;
  notLeader: number;
  elections: number;
  shrinks: number;
  expands: number;
  truncations: number;
  alterRefused: number;
  restarts: number;
}

const REPLICAS = [1, 2, 3];
const MIN_INSYNC = 2;
const LAG_MS = 400;
const SESSION_TIMEOUT_MS = 600;
const TICK_MS = 5;
const FETCH_RETRY_MS = 150;
const ALTER_RETRY_MS = 200;
const PRODUCE_TIMEOUT_MS = 1_500;
const ENTRIES_PER_FETCH_MAX = 20;

export class ReplicationCluster {
  readonly stats: ClusterStats = {
    acked: 0,
    refusedNotEnough: 0,
    afterAppend: 0,
    timedOut: 0,
    notLeader: 0,
    elections: 0,
    shrinks: 0,
    expands: 0,
    truncations: 0,
    alterRefused: 0,
    restarts: 0,
  };
  readonly checker = new ReplicationChecker();
  readonly #random: SeededRandom;
  readonly #net: SimNetwork<Message>;
  readonly #trace: (line: string) => void;
  readonly #replicas = new Map<number, Replica>();
  readonly #produces = new Map<number, Produce>();
  readonly #lastHeardMs = new Map<number, number>();
  #controller: CommittedPartitionState;
  #nowMs = 0;
  #nextId = 1;
  #nextKey = 1;

  constructor(random: SeededRandom, trace: (line: string) => void) {
    this.#random = random;
    this.#trace = trace;
    this.#net = new SimNetwork(random.fork("network"), { lossP: 0.05, dupP: 0.03, delayMsMax: 30 });
    for (const id of REPLICAS) {
      this.#replicas.set(id, {
        id,
        log: [],
        highWatermark: 0,
        highWatermarkCheckpoint: 0,
        known: { leaderEpoch: -1, partitionEpoch: -1 },
        role: { kind: "none" },
      });
      this.#lastHeardMs.set(id, 0);
    }
    this.#controller = {
      leaderId: 1,
      leaderEpoch: 0,
      partitionEpoch: 0,
      replicas: REPLICAS,
      isr: REPLICAS,
    };
    for (const id of REPLICAS) this.#onMetadata(this.#replica(id), this.#controller);
  }

  /** Runs `durationMs` with faults, then `quietMs` without, then checks convergence. */
  run(durationMs: number, quietMs: number): void {
    for (; this.#nowMs < durationMs; this.#nowMs += TICK_MS) this.#step(true);
    this.#net.faults = { lossP: 0, dupP: 0, delayMsMax: 10 };
    this.#net.cutUntilMs.clear();
    const quietEnd = this.#nowMs + quietMs;
    for (; this.#nowMs < quietEnd; this.#nowMs += TICK_MS) this.#step(false);
    this.#converge();
  }

  #step(faulty: boolean): void {
    for (const m of this.#net.due(this.#nowMs)) {
      if (m.to === CONTROLLER) this.#controllerReceive(m.from, m.body);
      else this.#receive(this.#replica(m.to), m.from, m.body);
      this.#check();
    }
    this.#controllerTick(faulty);
    for (const replica of this.#replicas.values()) this.#tick(replica);
    if (faulty) {
      if (this.#random.chance(0.3)) this.#produce(this.#replica(this.#random.intBetween(1, 3)));
      if (this.#random.chance(0.003)) {
        this.#restartFollower(this.#replica(this.#random.intBetween(1, 3)));
      }
      if (this.#random.chance(0.004)) {
        const id = this.#random.intBetween(1, 3);
        const forMs = this.#random.intBetween(100, 1_500);
        this.#net.cutUntilMs.set(id, this.#nowMs + forMs);
        this.#trace(`${this.#nowMs}: cut ${id} for ${forMs} ms`);
      }
    }
    this.#check();
  }

  // --- the controller ---------------------------------------------------------------------

  #controllerTick(faulty: boolean): void {
    const state = this.#controller;
    const silentMs = this.#nowMs - (this.#lastHeardMs.get(state.leaderId) ?? 0);
    if (silentMs > SESSION_TIMEOUT_MS || (faulty && this.#random.chance(0.002))) {
      const others = state.isr.filter((id) => id !== state.leaderId);
      if (others.length > 0) {
        const leaderId = others[this.#random.int(others.length)];
        this.#controller = {
          leaderId,
          leaderEpoch: state.leaderEpoch + 1,
          partitionEpoch: state.partitionEpoch + 1,
          replicas: state.replicas,
          isr: others,
        };
        this.stats.elections++;
        this.#trace(`${this.#nowMs}: controller elects ${leaderId} epoch ${state.leaderEpoch + 1}`);
      }
    }
    if (this.#nowMs % 100 === 0) {
      for (const id of REPLICAS) {
        this.#net.send(CONTROLLER, id, { kind: "metadata", state: this.#controller }, this.#nowMs);
      }
    }
  }

  #controllerReceive(from: number, body: Message): void {
    this.#lastHeardMs.set(from, this.#nowMs);
    if (body.kind !== "alter") return;
    const request = body.request;
    const state = this.#controller;
    let answer: AlterPartitionAnswer;
    if (request.leaderEpoch !== state.leaderEpoch || request.leaderId !== state.leaderId) {
      answer = { errorCode: "FENCED_LEADER_EPOCH", committed: state };
    } else if (request.partitionEpoch !== state.partitionEpoch) {
      // Kafka's INVALID_UPDATE_VERSION; the committed state tells the leader what happened.
      answer = { errorCode: "INVALID_REQUEST", committed: state };
    } else {
      assert(request.newIsr.includes(state.leaderId), "the leader keeps itself in the ISR");
      this.#controller = {
        ...state,
        partitionEpoch: state.partitionEpoch + 1,
        isr: request.newIsr.slice(),
      };
      answer = { errorCode: null, ...this.#controller };
      this.#trace(
        `${this.#nowMs}: controller ISR ${request.newIsr} (p${state.partitionEpoch + 1})`,
      );
    }
    const proposalId = request.proposalId;
    this.#net.send(CONTROLLER, from, { kind: "alter-answer", answer, proposalId }, this.#nowMs);
  }

  // --- replicas -----------------------------------------------------------------------------

  #replica(id: number): Replica {
    const replica = this.#replicas.get(id);
    assert(replica !== undefined, `replica ${id} exists`);
    return replica;
  }

  /**
   * A follower process restarts: its log is intact (it made each fetch durable before the next)
   * but its HW comes back from the lagging checkpoint, and it looks for the divergence again.
   */
  #restartFollower(replica: Replica): void {
    const role = replica.role;
    if (role.kind !== "follower") return;
    replica.highWatermark = replica.highWatermarkCheckpoint;
    this.checker.onRestart(replica.id);
    const follower = new FollowerReplicaState({
      localReplicaId: replica.id,
      leaderId: role.state.leaderId,
      leaderEpoch: role.state.leaderEpoch,
      logStartOffset: 0,
      logEndOffset: replica.log.length,
      highWatermark: replica.highWatermark,
      epochs: epochsOf(replica.log),
    });
    const next: Role = { kind: "follower", state: follower, retryAtMs: 0 };
    replica.role = next;
    this.stats.restarts++;
    this.#trace(`${this.#nowMs}: ${replica.id} restarts with HW ${replica.highWatermark}`);
    this.#apply(replica, next, follower.start());
  }

  #tick(replica: Replica): void {
    if (this.#nowMs % 250 === 0) replica.highWatermarkCheckpoint = replica.highWatermark;
    if (this.#nowMs % 50 === 0) {
      this.#net.send(replica.id, CONTROLLER, { kind: "heartbeat" }, this.#nowMs);
    }
    const role = replica.role;
    if (role.kind === "follower" && role.retryAtMs <= this.#nowMs) {
      this.#apply(replica, role, role.state.retry());
      role.retryAtMs = this.#nowMs + FETCH_RETRY_MS;
    }
    if (role.kind !== "leader") return;
    this.#complete(role.purgatory.expire(this.#nowMs));
    const inFlight = role.state.alterPartitionInFlight;
    if (inFlight !== null) {
      if (this.#nowMs - role.alterSentMs >= ALTER_RETRY_MS) {
        role.alterSentMs = this.#nowMs;
        this.#net.send(replica.id, CONTROLLER, { kind: "alter", request: inFlight }, this.#nowMs);
      }
      return;
    }
    const request = role.state.maybeShrinkIsr(this.#nowMs, LAG_MS) ?? role.state.maybeExpandIsr();
    if (request !== null) {
      if (request.newIsr.length < role.state.isr.length) this.stats.shrinks++;
      else this.stats.expands++;
      role.alterSentMs = this.#nowMs;
      this.#trace(
        `${this.#nowMs}: ${replica.id} proposes ISR ${request.newIsr} at p${request.partitionEpoch}` +
          ` (HW ${role.state.highWatermark})`,
      );
      this.#net.send(replica.id, CONTROLLER, { kind: "alter", request }, this.#nowMs);
    }
  }

  #receive(replica: Replica, from: number, body: Message): void {
    const role = replica.role;
    switch (body.kind) {
      case "metadata":
        return this.#onMetadata(replica, body.state);
      case "alter-answer":
        if (role.kind === "leader") {
          if (body.answer.errorCode !== null) this.stats.alterRefused++;
          const outcome = role.state.onAlterPartitionAnswer(body.answer, body.proposalId);
          this.#trace(
            `${this.#nowMs}: ${replica.id} alter answer ${JSON.stringify(body.answer)}: ${outcome}`,
          );
          this.#leaderHwMaybeMoved(replica, role);
        }
        return;
      case "fetch":
        return this.#serveFetch(replica, from, body.request);
      case "epoch-end":
        return this.#serveEpochEnd(replica, from, body.request);
      case "fetch-answer":
        if (role.kind === "follower" && from === role.state.leaderId) {
          this.#apply(replica, role, role.state.onFetchAnswer(body.answer), body.entries);
        }
        return;
      case "epoch-end-answer":
        if (role.kind === "follower" && from === role.state.leaderId) {
          this.#apply(replica, role, role.state.onEpochEndAnswer(body.answer));
        }
        return;
      case "heartbeat":
      case "alter":
        return;
    }
  }

  #onMetadata(replica: Replica, state: CommittedPartitionState): void {
    const known = replica.known;
    if (
      state.leaderEpoch < known.leaderEpoch ||
      (state.leaderEpoch === known.leaderEpoch && state.partitionEpoch <= known.partitionEpoch)
    ) return;
    replica.known = { leaderEpoch: state.leaderEpoch, partitionEpoch: state.partitionEpoch };
    const role = replica.role;
    if (role.kind === "leader" && role.state.leaderEpoch === state.leaderEpoch) {
      role.state.onPartitionChange(state);
      this.#leaderHwMaybeMoved(replica, role);
      return;
    }
    if (role.kind === "follower" && role.state.leaderEpoch === state.leaderEpoch) return;
    if (role.kind === "leader") this.#complete(role.purgatory.failAll("NOT_LEADER_OR_FOLLOWER"));
    if (state.leaderId === replica.id) {
      this.#becomeLeader(replica, state);
    } else {
      const follower = new FollowerReplicaState({
        localReplicaId: replica.id,
        leaderId: state.leaderId,
        leaderEpoch: state.leaderEpoch,
        logStartOffset: 0,
        logEndOffset: replica.log.length,
        highWatermark: replica.highWatermark,
        epochs: epochsOf(replica.log),
      });
      const next: Role = { kind: "follower", state: follower, retryAtMs: 0 };
      replica.role = next;
      this.#trace(`${this.#nowMs}: ${replica.id} follows ${state.leaderId} e${state.leaderEpoch}`);
      this.#apply(replica, next, follower.start());
    }
  }

  #becomeLeader(replica: Replica, state: CommittedPartitionState): void {
    const leader = new LeaderReplicaState({
      localReplicaId: replica.id,
      state,
      logEndOffset: replica.log.length,
      highWatermark: replica.highWatermark,
      epochs: epochsOf(replica.log),
      nowMs: this.#nowMs,
    });
    const role: Role = {
      kind: "leader",
      state: leader,
      purgatory: new ProducePurgatory<number>({ waitersMax: 100 }),
      alterSentMs: 0,
    };
    replica.role = role;
    this.#trace(
      `${this.#nowMs}: ${replica.id} leads e${state.leaderEpoch} at ${replica.log.length}`,
    );
    // Half the time the driver appends an epoch marker, so the HW can move without a produce.
    if (this.#random.chance(0.5)) {
      replica.log.push({ epoch: leader.leaderEpoch, id: -this.#nextId++ });
      leader.onLocalAppend(replica.log.length);
      this.#leaderHwMaybeMoved(replica, role);
    }
  }

  #serveFetch(replica: Replica, from: number, request: ReplicaFetch): void {
    const role = replica.role;
    // The driver's correlation: the answer names the epoch of the fetch it answers.
    const currentLeaderEpoch = request.leaderEpoch;
    const reply = (answer: FetchAnswer, entries: Entry[]) =>
      this.#net.send(replica.id, from, { kind: "fetch-answer", answer, entries }, this.#nowMs);
    if (role.kind !== "leader") {
      const code: ErrorCodeName = "NOT_LEADER_OR_FOLLOWER";
      return reply({ currentLeaderEpoch, errorCode: code, fetchOffset: request.fetchOffset }, []);
    }
    const outcome = role.state.updateFollower(request, this.#nowMs);
    if (!outcome.ok) {
      return reply(
        {
          currentLeaderEpoch,
          errorCode: outcome.code,
          fetchOffset: request.fetchOffset,
          logStartOffset: 0,
        },
        [],
      );
    }
    this.#leaderHwMaybeMoved(replica, role);
    const count = this.#random.int(ENTRIES_PER_FETCH_MAX + 1);
    const entries = replica.log.slice(request.fetchOffset, request.fetchOffset + count);
    reply({
      currentLeaderEpoch,
      errorCode: null,
      fetchOffset: request.fetchOffset,
      highWatermark: role.state.highWatermark,
      logStartOffset: 0,
      batches: batchesOf(entries, request.fetchOffset),
    }, entries);
  }

  #serveEpochEnd(replica: Replica, from: number, request: EpochEndRequest): void {
    const role = replica.role;
    let answer: EpochEndAnswer;
    const to = {
      currentLeaderEpoch: request.currentLeaderEpoch,
      requestedEpoch: request.leaderEpoch,
    };
    if (role.kind !== "leader") {
      answer = { ...to, errorCode: "NOT_LEADER_OR_FOLLOWER" };
    } else {
      const found = role.state.endOffsetFor(request);
      answer = "code" in found ? { ...to, errorCode: found.code } : {
        ...to,
        errorCode: null,
        requestedEpoch: request.leaderEpoch,
        leaderEpoch: found.epoch,
        endOffset: found.endOffset,
      };
    }
    this.#net.send(replica.id, from, { kind: "epoch-end-answer", answer }, this.#nowMs);
  }

  #apply(
    replica: Replica,
    role: Extract<Role, { kind: "follower" }>,
    effects: readonly FollowerEffect[],
    entries: readonly Entry[] = [],
  ): void {
    const leaderId = role.state.leaderId;
    for (const effect of effects) {
      switch (effect.kind) {
        case "send-epoch-end":
          this.#net.send(
            replica.id,
            leaderId,
            { kind: "epoch-end", request: effect.request },
            this.#nowMs,
          );
          role.retryAtMs = this.#nowMs + FETCH_RETRY_MS;
          break;
        case "send-fetch":
          // A follower fetches again after a random pause: random fetch schedules.
          this.#net.send(
            replica.id,
            leaderId,
            { kind: "fetch", request: effect.request },
            this.#nowMs,
          );
          role.retryAtMs = this.#nowMs + FETCH_RETRY_MS;
          break;
        case "truncate":
          this.checker.onTruncate(replica.id, effect.endOffset);
          this.#trace(
            `${this.#nowMs}: ${replica.id} truncates ${replica.log.length} -> ${effect.endOffset}`,
          );
          replica.log.length = effect.endOffset;
          this.stats.truncations++;
          break;
        case "append":
          for (const batch of effect.batches) {
            for (let o = batch.baseOffset; o <= batch.lastOffset; o++) {
              assert(o === replica.log.length, "appends continue the log");
              const entry = entries[o - effect.batches[0].baseOffset];
              assert(entry !== undefined && entry.epoch === batch.leaderEpoch, "entry carried");
              replica.log.push(entry);
            }
          }
          break;
        case "high-watermark":
          replica.highWatermark = effect.highWatermark;
          break;
        case "backoff":
          role.retryAtMs = this.#nowMs + 20;
          break;
        case "reset":
          throw new Error("no retention in this simulation: a reset is a bug");
        case "truncate-below-hw":
          // Every replica here keeps what it wrote (no power cut of a leader): a bug.
          throw new Error(
            `replica ${replica.id} cut below its HW ${effect.highWatermark} (to ${effect.endOffset})`,
          );
      }
    }
  }

  // --- producing ----------------------------------------------------------------------------

  #produce(replica: Replica): void {
    const role = replica.role;
    if (role.kind !== "leader" || !role.purgatory.hasRoom) return;
    if (acksAllAdmission(role.state.minimalIsr.length, MIN_INSYNC) !== null) {
      this.stats.refusedNotEnough++;
      return;
    }
    const key = this.#nextKey++;
    const produce: Produce = { key, entries: [] };
    const count = this.#random.intBetween(1, 3);
    for (let i = 0; i < count; i++) {
      const id = this.#nextId++;
      produce.entries.push({ offset: replica.log.length, id });
      replica.log.push({ epoch: role.state.leaderEpoch, id });
    }
    this.#produces.set(key, produce);
    role.state.onLocalAppend(replica.log.length);
    role.purgatory.add(key, replica.log.length - 1, this.#nowMs + PRODUCE_TIMEOUT_MS);
    this.#leaderHwMaybeMoved(replica, role);
  }

  #leaderHwMaybeMoved(replica: Replica, role: Extract<Role, { kind: "leader" }>): void {
    replica.highWatermark = role.state.highWatermark;
    this.#complete(
      role.purgatory.onHighWatermark(
        role.state.highWatermark,
        role.state.minimalIsr.length,
        MIN_INSYNC,
      ),
    );
  }

  #complete(completions: readonly { key: number; code: string | null }[]): void {
    for (const { key, code } of completions) {
      const produce = this.#produces.get(key);
      assert(produce !== undefined, `produce ${key} is waiting`);
      this.#produces.delete(key);
      if (code === null) {
        this.stats.acked++;
        for (const e of produce.entries) this.checker.onAcked(e.offset, e.id);
      } else if (code === "NOT_ENOUGH_REPLICAS_AFTER_APPEND") this.stats.afterAppend++;
      else if (code === "REQUEST_TIMED_OUT") this.stats.timedOut++;
      else this.stats.notLeader++;
    }
  }

  #leaderViews() {
    const views = [];
    for (const replica of this.#replicas.values()) {
      if (replica.role.kind !== "leader") continue;
      const state = replica.role.state;
      views.push({
        replica: replica.id,
        leaderEpoch: state.leaderEpoch,
        highWatermark: state.highWatermark,
        maximalIsr: state.maximalIsr,
      });
    }
    return views;
  }

  #check(): void {
    this.checker.check([...this.#replicas.values()], this.#leaderViews(), this.#controller.isr);
  }

  /** Faults are over: a last acks=all produce is acknowledged and every replica is the same. */
  #converge(): void {
    const leader = this.#replica(this.#controller.leaderId);
    assert(leader.role.kind === "leader", "the elected leader leads once the network heals");
    const ackedBefore = this.stats.acked;
    const boundMs = this.#nowMs + 5_000;
    this.#produce(leader);
    for (; this.#nowMs < boundMs && this.stats.acked === ackedBefore; this.#nowMs += TICK_MS) {
      this.#step(false);
    }
    assert(
      this.stats.acked > ackedBefore,
      `a produce after the faults is acknowledged (${this.#describe()})`,
    );
    for (let i = 0; i < 200; i++, this.#nowMs += TICK_MS) this.#step(false);
    assert(
      this.#controller.isr.length === REPLICAS.length,
      `every replica rejoins the ISR (${this.#describe()})`,
    );
    for (const replica of this.#replicas.values()) {
      assert(replica.log.length === leader.log.length, `replica ${replica.id} has the whole log`);
      assert(
        replica.highWatermark === leader.log.length,
        `replica ${replica.id} learnt the final HW (${replica.highWatermark} of ${leader.log.length})`,
      );
      for (let o = 0; o < leader.log.length; o++) {
        assert(replica.log[o] === leader.log[o], `replica ${replica.id} agrees at ${o}`);
      }
    }
  }

  #describe(): string {
    const parts = [`controller ${JSON.stringify(this.#controller)}`];
    for (const r of this.#replicas.values()) {
      const role = r.role;
      let text = `${r.id}: ${role.kind} LEO ${r.log.length} HW ${r.highWatermark}`;
      if (role.kind === "follower") text += ` ${role.state.phase} e${role.state.leaderEpoch}`;
      if (role.kind === "leader") {
        const s = role.state;
        text += ` e${s.leaderEpoch} p${s.partitionEpoch} isr ${s.isr} max ${s.maximalIsr}` +
          ` pending ${
            JSON.stringify(s.pendingIsrChange)
          } fenced ${s.fenced} start ${s.epochStartOffset}`;
        for (const id of s.replicas) {
          if (id !== r.id) text += ` f${id} ${JSON.stringify(s.follower(id))}`;
        }
      }
      parts.push(text);
    }
    return parts.join("; ");
  }
}

function epochsOf(log: readonly Entry[]): EpochEntry[] {
  let epochs: EpochEntry[] = [];
  for (let o = 0; o < log.length; o++) epochs = appendEpoch(epochs, log[o].epoch, o);
  return epochs;
}

/** Consecutive entries of one epoch make one batch. */
function batchesOf(entries: readonly Entry[], baseOffset: number): FetchedBatch[] {
  const batches: FetchedBatch[] = [];
  for (let i = 0; i < entries.length; i++) {
    const offset = baseOffset + i;
    const last = batches[batches.length - 1];
    if (last !== undefined && last.leaderEpoch === entries[i].epoch) last.lastOffset = offset;
    else batches.push({ baseOffset: offset, lastOffset: offset, leaderEpoch: entries[i].epoch });
  }
  return batches;
}
