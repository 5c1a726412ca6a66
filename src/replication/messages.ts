// What the replication state machines take in and hand out. The driver (the replica manager)
// carries these over the wire and through the controller; here they are plain values.
import type { ErrorCodeName } from "../model/errors.ts";

/** A follower's fetch as the leader sees it: the follower's log end is its fetch offset. */
export interface ReplicaFetch {
  replicaId: number;
  /** The leader epoch the follower believes current. */
  leaderEpoch: number;
  fetchOffset: number;
}

/** OffsetForLeaderEpoch as a follower asks it. */
export interface EpochEndRequest {
  replicaId: number;
  /** The leader epoch the follower believes current (fencing). */
  currentLeaderEpoch: number;
  /** The latest epoch in the follower's log: where does it end on the leader? */
  leaderEpoch: number;
}

/**
 * The driver's correlation of an answer with the request it answers: that request's leader
 * epoch (a follower state ignores answers to requests of an earlier epoch's state).
 */
export interface AnswerTo {
  currentLeaderEpoch: number;
}

/** `requestedEpoch` is the driver's too: the epoch the answered request asked about. */
export type EpochEndAnswer =
  & AnswerTo
  & (
    | { errorCode: null; requestedEpoch: number; leaderEpoch: number; endOffset: number }
    | { errorCode: ErrorCodeName; requestedEpoch: number }
  );

/** AlterPartition: the leader's proposed ISR, valid only against this partition epoch. */
export interface AlterPartitionRequest {
  /**
   * Which proposal of this leader state it is (resends of one proposal share it). The driver
   * hands it back with the answer; the controller need not see it.
   */
  proposalId: number;
  leaderId: number;
  leaderEpoch: number;
  partitionEpoch: number;
  newIsr: readonly number[];
}

/** The controller's committed partition state (its answer, or a PartitionChange record). */
export interface CommittedPartitionState {
  leaderId: number;
  leaderEpoch: number;
  partitionEpoch: number;
  replicas: readonly number[];
  isr: readonly number[];
}

/**
 * A refusal carries the controller's committed state when it knows it. Kafka tells a stale
 * partition epoch (INVALID_UPDATE_VERSION) from a refusal of the proposal itself
 * (INELIGIBLE_REPLICA); the committed state says both. A refusal without it, or of another
 * proposal, tells the leader nothing: the proposal may have been committed before (a resend
 * refused after a lost answer), so the leader keeps counting the maximal ISR until a committed
 * state with a later partition epoch arrives. The controller's side of the contract: a proposal
 * it refused at partition epoch p is refused for every copy of it at p.
 */
export type AlterPartitionAnswer =
  | ({ errorCode: null } & CommittedPartitionState)
  | { errorCode: ErrorCodeName; committed?: CommittedPartitionState };

/** The header of one batch a fetch response carries, all replication needs of it. */
export interface FetchedBatch {
  baseOffset: number;
  lastOffset: number;
  /** The batch's partitionLeaderEpoch. */
  leaderEpoch: number;
}

export type FetchAnswer =
  & AnswerTo
  & (
    | {
      errorCode: null;
      /** The offset the answered fetch asked for (a stale answer is recognised by it). */
      fetchOffset: number;
      highWatermark: number;
      logStartOffset: number;
      batches: readonly FetchedBatch[];
    }
    | { errorCode: ErrorCodeName; fetchOffset: number; logStartOffset?: number }
  );
