// A partition's follower-side replication state for one leader epoch: first find where the local
// log diverges from the new leader's (OffsetForLeaderEpoch, KIP-101 and KIP-279), truncate only
// that suffix, then fetch from the log end and learn the HW from the answers.
//
// Truncation: ask for the end of the latest local epoch on the leader. If the leader knows that
// epoch, or answers with one the follower also has, the logs agree below
// min(leader's end, local end of that epoch): truncate there and fetch. If the leader answers an
// epoch the follower never had, everything from the start of the follower's next epoch diverges:
// truncate there and ask again with the follower's epoch before it (Kafka's rounds; each asks
// for a smaller epoch, so they end).
//
// Never below the HW: records below it are committed, and a leader elected from the ISR holds
// them all. A truncation point below it means an unclean leader or a leader that lost written
// records; the follower refuses ("diverged"), keeps its log and stops fetching, and the driver
// takes the replica offline and reports it. Unclean election is not supported yet.
//
// Follower HW = max(its HW, min(leader HW, own log end)): never ahead of its own log, never back.
// A new leader epoch means a new FollowerReplicaState built from the log as it is.
import { assert, type ErrorCodeName } from "../model/errors.ts";
import {
  appendEpoch,
  assertEpochEntries,
  endOffsetForEpoch,
  latestEpoch,
  truncateEpochEntries,
} from "./epoch-lookup.ts";
import { type EpochEntry, UNDEFINED_EPOCH } from "../log/leader-epoch-cache.ts";
import type {
  EpochEndAnswer,
  EpochEndRequest,
  FetchAnswer,
  FetchedBatch,
  ReplicaFetch,
} from "./messages.ts";

export interface FollowerReplicaInit {
  localReplicaId: number;
  leaderId: number;
  leaderEpoch: number;
  logStartOffset: number;
  logEndOffset: number;
  highWatermark: number;
  epochs: readonly EpochEntry[];
}

export type FollowerPhase = "truncating" | "fetching" | "diverged" | "fenced";

export type FollowerEffect =
  | { kind: "send-epoch-end"; request: EpochEndRequest }
  /** Remove every record at and above `endOffset` (and the epoch entries from there). */
  | { kind: "truncate"; endOffset: number }
  /** Empty the log and start it at `logStartOffset` (the leader deleted what we would fetch). */
  | { kind: "reset"; logStartOffset: number }
  | { kind: "append"; batches: readonly FetchedBatch[] }
  | { kind: "send-fetch"; request: ReplicaFetch }
  /** The HW moved: persist it when convenient (the HW checkpoint). */
  | { kind: "high-watermark"; highWatermark: number }
  /** Call retry() after a backoff. */
  | { kind: "backoff"; reason: string }
  /** Truncation would go below the HW: refused, the replica stops here. */
  | { kind: "diverged"; truncateTo: number; highWatermark: number };

export class FollowerReplicaState {
  readonly localReplicaId: number;
  readonly leaderId: number;
  readonly leaderEpoch: number;
  #phase: FollowerPhase = "truncating";
  #logStartOffset: number;
  #logEndOffset: number;
  #highWatermark: number;
  #epochs: EpochEntry[];
  /** The epoch the OffsetForLeaderEpoch in flight asked about. */
  #askedEpoch = UNDEFINED_EPOCH;

  constructor(init: FollowerReplicaInit) {
    assert(
      0 <= init.logStartOffset && init.logStartOffset <= init.highWatermark &&
        init.highWatermark <= init.logEndOffset,
      "0 <= log start <= HW <= LEO for a follower",
    );
    assertEpochEntries(init.epochs, init.logEndOffset);
    assert(init.leaderId !== init.localReplicaId, "a follower follows another replica");
    this.localReplicaId = init.localReplicaId;
    this.leaderId = init.leaderId;
    this.leaderEpoch = init.leaderEpoch;
    this.#logStartOffset = init.logStartOffset;
    this.#logEndOffset = init.logEndOffset;
    this.#highWatermark = init.highWatermark;
    this.#epochs = init.epochs.slice();
  }

  get phase(): FollowerPhase {
    return this.#phase;
  }
  get logEndOffset(): number {
    return this.#logEndOffset;
  }
  get logStartOffset(): number {
    return this.#logStartOffset;
  }
  get highWatermark(): number {
    return this.#highWatermark;
  }
  get epochs(): readonly EpochEntry[] {
    return this.#epochs;
  }

  /** The first request: find the divergence, or fetch at once from an empty log. */
  start(): FollowerEffect[] {
    assert(this.#phase === "truncating", "start() once, before any answer");
    return this.#askOrFetch();
  }

  /** Resends what the current phase waits for (after a backoff or a lost answer). */
  retry(): FollowerEffect[] {
    if (this.#phase === "truncating") return this.#askOrFetch();
    if (this.#phase === "fetching") return [this.#fetch()];
    return [];
  }

  onEpochEndAnswer(answer: EpochEndAnswer): FollowerEffect[] {
    // An answer to an earlier question (duplicated, or from before a retry with another epoch).
    if (
      this.#phase !== "truncating" || answer.currentLeaderEpoch !== this.leaderEpoch ||
      answer.requestedEpoch !== this.#askedEpoch
    ) return [];
    if (answer.errorCode !== null) return this.#onError(answer.errorCode);
    const asked = this.#askedEpoch;
    this.#askedEpoch = UNDEFINED_EPOCH;
    if (answer.leaderEpoch === UNDEFINED_EPOCH || answer.leaderEpoch > asked) {
      // The leader knows no epoch at or below ours: only what is committed is known to agree.
      return this.#truncateThen(this.#highWatermark, true);
    }
    const own = endOffsetForEpoch(this.#epochs, this.#logEndOffset, answer.leaderEpoch);
    if (own.epoch !== answer.leaderEpoch) {
      // An epoch we never had: ours after it diverge; ask again about the one before.
      return this.#truncateThen(Math.min(own.endOffset, this.#logEndOffset), false);
    }
    const agreeBelow = Math.min(answer.endOffset, own.endOffset, this.#logEndOffset);
    return this.#truncateThen(agreeBelow, true);
  }

  onFetchAnswer(answer: FetchAnswer): FollowerEffect[] {
    // An answer to an earlier fetch (duplicated, reordered, from before a truncation, or one
    // an earlier leader epoch's state sent from the same offset).
    if (
      this.#phase !== "fetching" || answer.currentLeaderEpoch !== this.leaderEpoch ||
      answer.fetchOffset !== this.#logEndOffset
    ) return [];
    if (answer.errorCode !== null) {
      if (answer.errorCode === "OFFSET_OUT_OF_RANGE") {
        return this.#onOutOfRange(answer.logStartOffset);
      }
      return this.#onError(answer.errorCode);
    }
    const problem = this.#checkBatches(answer.batches);
    if (problem !== null) return [{ kind: "backoff", reason: problem }];
    const effects: FollowerEffect[] = [];
    if (answer.batches.length > 0) {
      for (const batch of answer.batches) {
        this.#epochs = appendEpoch(this.#epochs, batch.leaderEpoch, batch.baseOffset);
      }
      this.#logEndOffset = answer.batches[answer.batches.length - 1].lastOffset + 1;
      effects.push({ kind: "append", batches: answer.batches });
    }
    const learnt = Math.min(answer.highWatermark, this.#logEndOffset);
    if (learnt > this.#highWatermark) {
      this.#highWatermark = learnt;
      effects.push({ kind: "high-watermark", highWatermark: learnt });
    }
    effects.push(this.#fetch());
    return effects;
  }

  #askOrFetch(): FollowerEffect[] {
    const epoch = latestEpoch(this.#epochs);
    if (epoch === UNDEFINED_EPOCH) {
      // Nothing with an epoch: records past the HW (if any) cannot be checked, so they go.
      return this.#truncateThen(this.#highWatermark, true);
    }
    this.#askedEpoch = epoch;
    return [{
      kind: "send-epoch-end",
      request: {
        replicaId: this.localReplicaId,
        currentLeaderEpoch: this.leaderEpoch,
        leaderEpoch: epoch,
      },
    }];
  }

  #truncateThen(endOffset: number, done: boolean): FollowerEffect[] {
    if (endOffset < this.#highWatermark) {
      this.#phase = "diverged";
      return [{ kind: "diverged", truncateTo: endOffset, highWatermark: this.#highWatermark }];
    }
    const effects: FollowerEffect[] = [];
    if (endOffset < this.#logEndOffset) {
      this.#logEndOffset = endOffset;
      this.#epochs = truncateEpochEntries(this.#epochs, endOffset);
      effects.push({ kind: "truncate", endOffset });
    }
    if (!done) return [...effects, ...this.#askOrFetch()];
    this.#phase = "fetching";
    effects.push(this.#fetch());
    return effects;
  }

  #fetch(): FollowerEffect {
    return {
      kind: "send-fetch",
      request: {
        replicaId: this.localReplicaId,
        leaderEpoch: this.leaderEpoch,
        fetchOffset: this.#logEndOffset,
      },
    };
  }

  #onOutOfRange(leaderLogStartOffset: number | undefined): FollowerEffect[] {
    if (leaderLogStartOffset !== undefined && this.#logEndOffset < leaderLogStartOffset) {
      // The leader deleted (retention) everything from our log end on: start over at its start.
      // Everything we hold lies below its log start, so nothing of ours is still needed.
      this.#logStartOffset = leaderLogStartOffset;
      this.#logEndOffset = leaderLogStartOffset;
      this.#highWatermark = Math.max(this.#highWatermark, leaderLogStartOffset);
      this.#epochs = [];
      return [{ kind: "reset", logStartOffset: leaderLogStartOffset }, this.#fetch()];
    }
    // Ahead of the leader's log end: find the divergence again.
    this.#phase = "truncating";
    return this.#askOrFetch();
  }

  #onError(code: ErrorCodeName): FollowerEffect[] {
    if (code === "FENCED_LEADER_EPOCH") {
      // The leader is in a later epoch: wait for the metadata that says so, then a new state.
      this.#phase = "fenced";
      return [];
    }
    return [{ kind: "backoff", reason: code }];
  }

  #checkBatches(batches: readonly FetchedBatch[]): string | null {
    let next = this.#logEndOffset;
    let epoch = latestEpoch(this.#epochs);
    for (const batch of batches) {
      if (batch.baseOffset !== next || batch.lastOffset < batch.baseOffset) {
        return `batch [${batch.baseOffset}, ${batch.lastOffset}] does not start at ${next}`;
      }
      if (batch.leaderEpoch < epoch || batch.leaderEpoch > this.leaderEpoch) {
        return `batch epoch ${batch.leaderEpoch} outside [${epoch}, ${this.leaderEpoch}]`;
      }
      next = batch.lastOffset + 1;
      epoch = batch.leaderEpoch;
    }
    return null;
  }
}
