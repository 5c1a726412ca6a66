// A partition's leader-side replication state for one leader epoch: the followers' progress,
// the ISR with its pending change (isr-state.ts), and the high watermark.
//
// Rules (docs/replication.md):
// - HW = the smallest log end over the maximal ISR, the leader's own included; a member that
//   has not fetched from this leader yet holds it where it is. It never moves backwards.
// - A new leader moves its HW over older epochs' entries too, once every maximal-ISR member
//   has fetched them from it (Kafka's rule, not Raft's: docs/replication.md says why).
// - ISR changes are proposals (AlterPartition with the partition epoch); the committed change
//   from the controller is what applies them.
// A new leader epoch means a new LeaderReplicaState: nothing of a follower's progress carries
// over, as in Kafka.
import { assert, type ErrorCodeName } from "../model/errors.ts";
import {
  appendEpoch,
  assertEpochEntries,
  endOffsetForEpoch,
  type EpochEndOffset,
} from "./epoch-lookup.ts";
import type { EpochEntry } from "../log/leader-epoch-cache.ts";
import {
  type FollowerProgress,
  isCaughtUp,
  newFollowerProgress,
  recordFetch,
} from "./follower-progress.ts";
import {
  type IsrState,
  maximalIsr,
  minimalIsr,
  type PendingIsrChange,
  proposeExpand,
  proposeShrink,
} from "./isr-state.ts";
import type {
  AlterPartitionAnswer,
  AlterPartitionRequest,
  CommittedPartitionState,
  EpochEndRequest,
  ReplicaFetch,
} from "./messages.ts";

export interface LeaderReplicaInit {
  localReplicaId: number;
  state: CommittedPartitionState;
  /** The local log end at takeover: where this epoch starts. */
  logEndOffset: number;
  /** The HW this replica had as a follower (never more than its log end). */
  highWatermark: number;
  /** The local log's epoch entries before this epoch. */
  epochs: readonly EpochEntry[];
  nowMs: number;
}

export type FetchOutcome =
  | { ok: true; highWatermark: number; highWatermarkMoved: boolean }
  | { ok: false; code: ErrorCodeName };

export type PartitionChangeOutcome = "applied" | "stale" | "resign";

export class LeaderReplicaState {
  readonly localReplicaId: number;
  readonly leaderEpoch: number;
  readonly epochStartOffset: number;
  #partitionEpoch: number;
  #replicas: readonly number[];
  #isr: IsrState;
  #logEndOffset: number;
  #highWatermark: number;
  #epochs: EpochEntry[];
  #fenced = false;
  /** The proposal in flight (null when the ISR has no pending change) and the last id used. */
  #inFlight: AlterPartitionRequest | null = null;
  #proposalIdLast = 0;
  readonly #followers = new Map<number, FollowerProgress>();

  constructor(init: LeaderReplicaInit) {
    const { state } = init;
    assert(state.leaderId === init.localReplicaId, "a leader state is built on its leader");
    assert(state.isr.includes(init.localReplicaId), "the leader is in the ISR");
    assert(state.replicas.includes(init.localReplicaId), "the leader is a replica");
    for (const id of state.isr) assert(state.replicas.includes(id), "ISR members are replicas");
    assert(
      0 <= init.highWatermark && init.highWatermark <= init.logEndOffset,
      "0 <= HW <= LEO at takeover",
    );
    assertEpochEntries(init.epochs, init.logEndOffset);
    this.localReplicaId = init.localReplicaId;
    this.leaderEpoch = state.leaderEpoch;
    this.epochStartOffset = init.logEndOffset;
    this.#partitionEpoch = state.partitionEpoch;
    this.#replicas = state.replicas.slice();
    this.#isr = { committed: state.isr.slice(), pending: null };
    this.#logEndOffset = init.logEndOffset;
    this.#highWatermark = init.highWatermark;
    // Kafka's leader records its epoch at takeover, so it can answer OffsetForLeaderEpoch for it.
    this.#epochs = appendEpoch(init.epochs, state.leaderEpoch, init.logEndOffset);
    for (const id of state.replicas) {
      if (id === init.localReplicaId) continue;
      this.#followers.set(id, newFollowerProgress(id, state.isr.includes(id), init.nowMs));
    }
  }

  get highWatermark(): number {
    return this.#highWatermark;
  }
  get logEndOffset(): number {
    return this.#logEndOffset;
  }
  get partitionEpoch(): number {
    return this.#partitionEpoch;
  }
  get replicas(): readonly number[] {
    return this.#replicas;
  }
  /** The committed ISR. */
  get isr(): readonly number[] {
    return this.#isr.committed;
  }
  get maximalIsr(): readonly number[] {
    return maximalIsr(this.#isr);
  }
  get minimalIsr(): readonly number[] {
    return minimalIsr(this.#isr);
  }
  get pendingIsrChange(): PendingIsrChange | null {
    return this.#isr.pending;
  }
  /**
   * The proposal in flight, for the driver to send again while no answer came (Kafka's
   * AlterPartition manager retries the same way): until it is answered the ISR cannot change.
   */
  get alterPartitionInFlight(): AlterPartitionRequest | null {
    return this.#inFlight;
  }
  get epochs(): readonly EpochEntry[] {
    return this.#epochs;
  }
  /** The controller refused this leader's epoch: it proposes nothing more. */
  get fenced(): boolean {
    return this.#fenced;
  }
  follower(replicaId: number): Readonly<FollowerProgress> | undefined {
    return this.#followers.get(replicaId);
  }

  /** The leader appended locally up to `logEndOffset` (exclusive), in its own epoch. */
  onLocalAppend(logEndOffset: number): boolean {
    assert(logEndOffset >= this.#logEndOffset, "the leader's log end never moves back");
    this.#logEndOffset = logEndOffset;
    return this.#maybeAdvanceHighWatermark();
  }

  updateFollower(fetch: ReplicaFetch, nowMs: number): FetchOutcome {
    const progress = this.#followers.get(fetch.replicaId);
    if (progress === undefined) return { ok: false, code: "NOT_LEADER_OR_FOLLOWER" };
    const epochCode = this.#checkEpoch(fetch.leaderEpoch);
    if (epochCode !== null) return { ok: false, code: epochCode };
    if (!(Number.isSafeInteger(fetch.fetchOffset) && fetch.fetchOffset >= 0)) {
      return { ok: false, code: "OFFSET_OUT_OF_RANGE" };
    }
    if (fetch.fetchOffset > this.#logEndOffset) return { ok: false, code: "OFFSET_OUT_OF_RANGE" };
    recordFetch(progress, fetch.fetchOffset, this.#logEndOffset, nowMs);
    const moved = this.#maybeAdvanceHighWatermark();
    return { ok: true, highWatermark: this.#highWatermark, highWatermarkMoved: moved };
  }

  /** OffsetForLeaderEpoch from a follower, answered from this leader's epoch entries. */
  endOffsetFor(request: EpochEndRequest): EpochEndOffset | { code: ErrorCodeName } {
    if (!this.#followers.has(request.replicaId)) return { code: "NOT_LEADER_OR_FOLLOWER" };
    const epochCode = this.#checkEpoch(request.currentLeaderEpoch);
    if (epochCode !== null) return { code: epochCode };
    return endOffsetForEpoch(this.#epochs, this.#logEndOffset, request.leaderEpoch);
  }

  /**
   * Proposes dropping the ISR members not caught up within `replicaLagTimeMaxMs`, and any whose
   * log end fell below the HW (a follower that came back without writes it had fetched).
   */
  maybeShrinkIsr(nowMs: number, replicaLagTimeMaxMs: number): AlterPartitionRequest | null {
    if (this.#fenced || this.#isr.pending !== null) return null;
    const outOfSync = this.#isr.committed.filter((id) => {
      if (id === this.localReplicaId) return false;
      const progress = this.#followers.get(id);
      assert(progress !== undefined, "every ISR member has a progress entry");
      if (progress.logEndOffset !== null && progress.logEndOffset < this.#highWatermark) {
        return true;
      }
      return !isCaughtUp(progress, this.#logEndOffset, nowMs, replicaLagTimeMaxMs);
    });
    if (outOfSync.length === 0) return null;
    this.#isr = proposeShrink(this.#isr, outOfSync);
    return this.#propose();
  }

  /**
   * Proposes adding one follower outside the ISR that reached both the HW and this epoch's start
   * (Kafka's rule for rejoining); the lowest replica id first, one per proposal.
   */
  maybeExpandIsr(): AlterPartitionRequest | null {
    if (this.#fenced || this.#isr.pending !== null) return null;
    for (const id of this.#replicas) {
      if (id === this.localReplicaId || this.#isr.committed.includes(id)) continue;
      const leo = this.#followers.get(id)?.logEndOffset ?? null;
      if (leo === null || leo < this.#highWatermark || leo < this.epochStartOffset) continue;
      this.#isr = proposeExpand(this.#isr, id);
      return this.#propose();
    }
    return null;
  }

  /**
   * The controller's answer to proposal `proposalId` (see AlterPartitionAnswer for what a
   * refusal tells). A committed state in it applies whichever proposal it answers.
   */
  onAlterPartitionAnswer(answer: AlterPartitionAnswer, proposalId: number): PartitionChangeOutcome {
    if (answer.errorCode === null) return this.onPartitionChange(answer);
    if (answer.errorCode === "FENCED_LEADER_EPOCH") this.#fenced = true;
    const committed = answer.committed;
    if (committed === undefined) return "stale";
    const outcome = this.onPartitionChange(committed);
    if (outcome === "resign") this.#fenced = true;
    if (
      outcome === "stale" && proposalId === this.#inFlight?.proposalId &&
      committed.leaderEpoch === this.leaderEpoch &&
      committed.partitionEpoch === this.#partitionEpoch
    ) {
      // This very proposal refused against the state we hold: nothing changed.
      this.#isr = { committed: this.#isr.committed, pending: null };
      this.#inFlight = null;
    }
    return outcome;
  }

  /**
   * A committed partition state (AlterPartition answer or metadata record). "resign": this
   * replica is no longer leader in this epoch; the driver drops this state.
   */
  onPartitionChange(change: CommittedPartitionState): PartitionChangeOutcome {
    if (change.leaderEpoch < this.leaderEpoch) return "stale";
    if (change.leaderEpoch > this.leaderEpoch || change.leaderId !== this.localReplicaId) {
      return "resign";
    }
    if (change.partitionEpoch <= this.#partitionEpoch) return "stale";
    assert(change.isr.includes(this.localReplicaId), "the controller keeps the leader in the ISR");
    for (const id of change.isr) assert(change.replicas.includes(id), "ISR members are replicas");
    this.#partitionEpoch = change.partitionEpoch;
    this.#replicas = change.replicas.slice();
    // Any proposal in flight carried the old partition epoch: the controller refuses it.
    this.#isr = { committed: change.isr.slice(), pending: null };
    this.#inFlight = null;
    for (const id of change.replicas) {
      if (id !== this.localReplicaId && !this.#followers.has(id)) {
        this.#followers.set(id, newFollowerProgress(id, false, 0));
      }
    }
    for (const id of this.#followers.keys()) {
      if (!change.replicas.includes(id)) this.#followers.delete(id);
    }
    // A smaller ISR may let the HW move.
    this.#maybeAdvanceHighWatermark();
    return "applied";
  }

  #checkEpoch(epoch: number): ErrorCodeName | null {
    if (epoch < this.leaderEpoch) return "FENCED_LEADER_EPOCH";
    if (epoch > this.leaderEpoch) return "UNKNOWN_LEADER_EPOCH";
    return null;
  }

  #propose(): AlterPartitionRequest {
    const pending = this.#isr.pending;
    assert(pending !== null, "a request carries a pending change");
    this.#inFlight = {
      proposalId: ++this.#proposalIdLast,
      leaderId: this.localReplicaId,
      leaderEpoch: this.leaderEpoch,
      partitionEpoch: this.#partitionEpoch,
      newIsr: pending.isr,
    };
    return this.#inFlight;
  }

  #maybeAdvanceHighWatermark(): boolean {
    let candidate = this.#logEndOffset;
    for (const id of maximalIsr(this.#isr)) {
      if (id === this.localReplicaId) continue;
      const leo = this.#followers.get(id)?.logEndOffset ?? null;
      if (leo === null) return false;
      candidate = Math.min(candidate, leo);
    }
    // Every maximal-ISR member fetched up to candidate from this leader, in its epoch, after
    // truncating to match it: they all hold [0, candidate), so every electable replica does.
    // (Raft needs an entry of the current term first because its quorums change with every
    // vote; an ISR changes only through the controller, and this leader counts the largest
    // one a pending change could leave.)
    if (candidate <= this.#highWatermark) return false;
    this.#highWatermark = candidate;
    assert(this.#highWatermark <= this.#logEndOffset, "HW <= the leader's log end");
    return true;
  }
}
