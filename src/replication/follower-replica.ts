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
// Below the HW: the local HW is only a lower bound this replica learnt from an earlier leader,
// and the elected leader's log is the truth, so the follower truncates to the point its answer
// gives even there (Kafka's rule for a clean election). That happens only when the last in-sync
// replica lost unsynced (acks=1) records in a power cut and came back to lead with a shorter log;
// acks=all records are on the disk of every ISR member before they count, so none is among them
// (docs/replication.md). It is loud: a "truncate-below-hw" effect, which the driver logs as a
// warning and counts. The first fetch after it checks that the follower did not remove a record
// it shared with the leader below the leader's HW (same offset and epoch): asserted.
//
// Follower HW = max(its HW, min(leader HW, own log end)): never ahead of its own log, and back
// only at a cut below it.
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

export type FollowerPhase = "truncating" | "fetching" | "fenced";

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
  /**
   * Like truncate, but below the local HW (`highWatermark`, now lowered to `endOffset`): records
   * this replica believed committed are not on the leader. Never silent.
   */
  | { kind: "truncate-below-hw"; endOffset: number; highWatermark: number };

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
  /** The last cut below the local HW and the epoch of what it removed there, until a fetch. */
  #cutBelowHw: { offset: number; epoch: number } | null = null;

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
    this.#checkCutBelowHw(answer.highWatermark, answer.batches);
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
    const effects: FollowerEffect[] = [];
    if (endOffset < this.#highWatermark) effects.push(this.#cutBelowHighWatermark(endOffset));
    else if (endOffset < this.#logEndOffset) {
      this.#logEndOffset = endOffset;
      this.#epochs = truncateEpochEntries(this.#epochs, endOffset);
      effects.push({ kind: "truncate", endOffset });
    }
    if (!done) return [...effects, ...this.#askOrFetch()];
    this.#phase = "fetching";
    effects.push(this.#fetch());
    return effects;
  }

  #cutBelowHighWatermark(endOffset: number): FollowerEffect {
    const highWatermark = this.#highWatermark;
    assert(0 <= endOffset && endOffset < this.#logEndOffset, "a cut below the HW is in the log");
    // The epoch of the record at endOffset before the cut (the HW is above it, so one is there).
    let epoch = UNDEFINED_EPOCH;
    for (const entry of this.#epochs) if (entry.startOffset <= endOffset) epoch = entry.epoch;
    this.#cutBelowHw = { offset: endOffset, epoch };
    this.#logEndOffset = endOffset;
    this.#highWatermark = endOffset;
    this.#epochs = truncateEpochEntries(this.#epochs, endOffset);
    // Below the log start (the whole log was committed and is not on the leader) the log
    // starts over empty at the cut, as Kafka's truncateFullyAndStartAt.
    if (endOffset < this.#logStartOffset) this.#logStartOffset = endOffset;
    return { kind: "truncate-below-hw", endOffset, highWatermark };
  }

  /**
   * After a cut below the local HW, the leader's first batches from the cut: had the leader a
   * batch of the removed record's epoch there, below its HW, the cut removed a record both held
   * and the leader counts committed.
   */
  #checkCutBelowHw(leaderHighWatermark: number, batches: readonly FetchedBatch[]): void {
    const cut = this.#cutBelowHw;
    if (cut === null) return;
    this.#cutBelowHw = null;
    const first = batches[0];
    if (first === undefined || first.baseOffset !== cut.offset) return;
    assert(
      !(first.leaderEpoch === cut.epoch && leaderHighWatermark > cut.offset),
      "a follower never removes records it shares with the leader below the leader's HW",
    );
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
